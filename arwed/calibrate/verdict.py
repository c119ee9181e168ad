"""Whether to trust a calibration, in words an operator can act on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.calibrate.calibration import CalibrationResult
from arwed.calibrate.coverage import coverage_advice, coverage_map, view_geometry

TRUSTED_RMS_PX = 0.5
TRUSTED_RELATIVE_95 = 0.01  # 1.96 standard deviations of fx, fy, cx and cy, each under 1% of its value


@dataclass(frozen=True)
class Verdict:
    trusted: bool
    headline: str
    problems: tuple[str, ...]  # why not trusted (empty when trusted)
    advice: tuple[str, ...]  # what to capture next, most useful first; coverage hints even when trusted

    def text(self) -> str:
        lines = [self.headline]
        if self.advice:
            lines.append("What to do:" if not self.trusted else "To make it better still:")
            lines += [f"  - {a}" for a in self.advice]
        return "\n".join(lines)


def judge(result: CalibrationResult) -> Verdict:
    """Trusted when the RMS error is under 0.5 px and fx, fy, cx, cy are each known to within 1% (95%)."""
    problems, advice = [], []
    if result.rms_px >= TRUSTED_RMS_PX:
        problems.append(
            f"RMS reprojection error {result.rms_px:.2f} px (needs to be under {TRUSTED_RMS_PX} px)"
        )
        advice.append(_error_advice(result))
    relative = result.uncertainty.relative_95(result.intrinsics)
    loose = {name: value for name, value in relative.items() if not value < TRUSTED_RELATIVE_95}
    for name, value in loose.items():
        problems.append(f"{name} is known only to within {value * 100:.1f}% (needs under 1%)")
    geometries = [
        view_geometry(view.detection, result.intrinsics.matrix, result.intrinsics.distortion_array)
        for view in result.views
    ]
    counts = coverage_map([view.detection for view in result.views], result.image_size_px)
    advice += coverage_advice(geometries, counts)
    if loose and not advice:
        advice.append(
            "Add more views: tilted 30-45 degrees, near and far, reaching into every part of the picture."
        )
    if problems:
        headline = "NOT TRUSTED: " + "; ".join(problems)
        return Verdict(False, headline, tuple(problems), tuple(advice))
    worst = max(relative.values())
    headline = f"TRUSTED: RMS {result.rms_px:.2f} px, fx, fy, cx, cy each within {worst * 100:.2f}% (95%)"
    return Verdict(True, headline, (), tuple(advice))


def _error_advice(result: CalibrationResult) -> str:
    if result.outlier_views:
        names = ", ".join(result.view_names[i] for i in result.outlier_views)
        return f"Drop the outlier views ({names}) and calibrate again."
    if np.median(result.per_view_errors_px) >= TRUSTED_RMS_PX:
        return (
            "Every view has a large error: check --square (and --marker), that the board is flat (glue it to"
            " card or glass), that the camera's autofocus is off, and that the light is even."
        )
    return "Hold the board still when a view is captured, in good light, to avoid motion blur."
