"""A calibration's figures as text, for the terminal and the window."""

from __future__ import annotations

from arwed.calibrate.calibration import CalibrationResult
from arwed.calibrate.coverage import coverage_bars, view_geometry

_Z_95 = 1.96


def intrinsics_lines(result: CalibrationResult) -> list[str]:
    intrinsics, std = result.intrinsics, result.uncertainty
    relative = std.relative_95(intrinsics)
    rows = [
        ("fx", intrinsics.fx_px, std.fx_px),
        ("fy", intrinsics.fy_px, std.fy_px),
        ("cx", intrinsics.cx_px, std.cx_px),
        ("cy", intrinsics.cy_px, std.cy_px),
    ]
    return [
        f"{name} = {value:9.2f} px   std dev {sigma:.2f} px   95%: +/-{_Z_95 * sigma:.2f} px"
        f" ({relative[name] * 100:.2f}%)"
        for name, value, sigma in rows
    ]


def outlier_text(result: CalibrationResult) -> str:
    if not result.outlier_views:
        return "Outlier views: none"
    views = ", ".join(
        f"{result.view_names[i]} ({result.per_view_errors_px[i]:.2f} px)" for i in result.outlier_views
    )
    return f"Outlier views (error above {result.outlier_threshold_px():.2f} px): {views}"


def result_text(result: CalibrationResult) -> str:
    intrinsics = result.intrinsics
    geometries = [
        view_geometry(v.detection, intrinsics.matrix, intrinsics.distortion_array) for v in result.views
    ]
    bars = coverage_bars(geometries)
    lines = [
        f"Calibrated {intrinsics.width_px}x{intrinsics.height_px} from {len(result.views)} views"
        f" of a {result.board.describe()}",
        f"RMS reprojection error: {result.rms_px:.3f} px",
        *intrinsics_lines(result),
        "distortion (k1 k2 p1 p2 k3): " + " ".join(f"{v:.5f}" for v in intrinsics.distortion),
        f"horizontal field of view: {intrinsics.horizontal_fov_deg:.1f} deg",
        "Per-view RMS errors (px):",
        *(
            f"  {name}: {error:.3f}"
            for name, error in zip(result.view_names, result.per_view_errors_px, strict=True)
        ),
        f"Largest corner error: {result.max_corner_error_px:.3f} px (in {result.max_error_view})",
        outlier_text(result),
        "Coverage: " + ", ".join(f"{name.lower()} {value * 100:.0f}%" for name, value in bars.items()),
    ]
    return "\n".join(lines)
