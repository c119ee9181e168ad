"""Where every MediaPipe model comes from, and the pose `.task` bundles built from them offline.

MediaPipe's Tasks API loads a PoseLandmarker from a `.task` file: an uncompressed zip of
`pose_detector.tflite` and `pose_landmarks_detector.tflite`. Google's ready-made bundles are downloads;
arwed builds its own, on this machine, from model files that are installed with the packages:

| model_complexity | landmark model | comes from |
| --- | --- | --- |
| 0 (lite) | pose_landmark_lite.tflite | npm package `@mediapipe/pose` (Apache-2.0), unpacked by scripts/bootstrap.sh |
| 1 (full) | pose_landmark_full.tflite | the mediapipe wheel: mediapipe/modules/pose_landmark/ |
| 2 (heavy) | pose_landmark_heavy.tflite | npm package `@mediapipe/pose`, unpacked by scripts/bootstrap.sh |

The person detector of all three is the wheel's mediapipe/modules/pose_detection/pose_detection.tflite
(the npm package's full model is byte for byte the wheel's). The Tasks graph reads each image model's
input normalisation from its TFLite metadata; the legacy landmark models carry none, so the bundle's copy
gets mean 0, std 255 (pixels to 0..1, what the landmark network was trained on). The detector is left
as shipped: without metadata the graph feeds it -1..1, which is its training range.

Other models the project uses, all in the mediapipe wheel (nothing is downloaded at run time):
- face landmarks (her head, on crops): mediapipe/modules/face_landmark/face_landmark.tflite
  (legacy `mp.solutions.face_mesh`), with face_detection/face_detection_short_range.tflite;
- hands (her ring hand): mediapipe/modules/hand_landmark/hand_landmark_full.tflite and
  palm_detection/palm_detection_full.tflite (legacy `mp.solutions.hands`).

Bundles are written to the first writable folder of <venv>/share/arwed/models and
$XDG_CACHE_HOME/arwed/models (~/.cache/arwed/models), or only to $ARWED_MODELS_DIR when that is set; the
bootstrap builds them at install.
`python -m arwed.tracking.models` builds them by hand.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from arwed.tracking.mediapipe_import import mediapipe_folder, mediapipe_without_matplotlib

log = logging.getLogger(__name__)

NPM_POSE_PACKAGE = "@mediapipe/pose@0.5.1675469404"
LANDMARK_NAMES = {0: "pose_landmark_lite", 1: "pose_landmark_full", 2: "pose_landmark_heavy"}
COMPLEXITY_NAMES = {0: "lite", 1: "full", 2: "heavy"}
LANDMARK_NORM_MEAN, LANDMARK_NORM_STD = 0.0, 255.0
BUNDLE_FORMAT = 1  # bump when the way a bundle is made changes: old bundles are rebuilt
ZIP_DATE = (2024, 1, 1, 0, 0, 0)  # a fixed date: the same inputs give the same bundle, byte for byte
ZIP_ALIGNMENT = 4  # MediaPipe maps the stored files directly; its own bundler aligns them to 4 bytes


class ModelUnavailable(RuntimeError):
    """A model file is not on this machine (the message says where it was looked for and what to do)."""


@dataclass(frozen=True)
class ModelFile:
    name: str
    path: Path
    origin: str


def _wheel_modules() -> Path:
    return mediapipe_folder() / "modules"


def npm_models_dir() -> Path:
    """Where scripts/bootstrap.sh unpacks the `@mediapipe/pose` model files."""
    return Path(sys.prefix) / "share" / "arwed" / "mediapipe-pose"


def pose_detector_model() -> ModelFile:
    return ModelFile(
        "pose_detector",
        _wheel_modules() / "pose_detection" / "pose_detection.tflite",
        "mediapipe wheel",
    )


def pose_landmark_model(model_complexity: int) -> ModelFile:
    name = LANDMARK_NAMES[model_complexity]
    if model_complexity == 1:
        return ModelFile(name, _wheel_modules() / "pose_landmark" / f"{name}.tflite", "mediapipe wheel")
    return ModelFile(name, npm_models_dir() / f"{name}.tflite", f"npm {NPM_POSE_PACKAGE}")


def face_landmark_model() -> ModelFile:
    return ModelFile(
        "face_landmark", _wheel_modules() / "face_landmark" / "face_landmark.tflite", "mediapipe wheel"
    )


def hand_landmark_model() -> ModelFile:
    return ModelFile(
        "hand_landmark", _wheel_modules() / "hand_landmark" / "hand_landmark_full.tflite", "mediapipe wheel"
    )


def bundle_folders() -> list[Path]:
    if os.environ.get("ARWED_MODELS_DIR"):
        return [Path(os.environ["ARWED_MODELS_DIR"])]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return [Path(sys.prefix) / "share" / "arwed" / "models", cache / "arwed" / "models"]


def pose_task_path(model_complexity: int = 1) -> Path:
    """The PoseLandmarker bundle for this complexity: found where it was built, else built now (offline)."""
    if model_complexity not in LANDMARK_NAMES:
        raise ModelUnavailable(
            f"tracking.model_complexity {model_complexity}: use 0 (lite), 1 (full) or 2 (heavy)"
        )
    detector, landmarks = pose_detector_model(), pose_landmark_model(model_complexity)
    for model in (detector, landmarks):
        if not model.path.is_file():
            raise ModelUnavailable(_missing_message(model, model_complexity))
    stamp = _inputs_stamp(detector.path, landmarks.path)
    name = f"pose_landmarker_{COMPLEXITY_NAMES[model_complexity]}.task"
    for folder in bundle_folders():
        candidate = folder / name
        if candidate.is_file() and _stamp_of(candidate) == stamp:
            return candidate
    errors = []
    for folder in bundle_folders():
        try:
            return build_pose_task(detector.path, landmarks.path, folder / name, stamp)
        except OSError as exc:  # a read-only folder: try the next
            errors.append(f"{folder}: {exc.strerror or exc}")
    raise ModelUnavailable(f"could not write the pose model bundle {name} in any of: {'; '.join(errors)}")


def _missing_message(model: ModelFile, model_complexity: int) -> str:
    if model.origin.startswith("npm"):
        return (
            f"tracking.model_complexity {model_complexity} ({COMPLEXITY_NAMES[model_complexity]}) needs "
            f"{model.path}, from the npm package {NPM_POSE_PACKAGE}: run scripts/bootstrap.sh on a machine "
            "with npm, or use model_complexity 1 (full), which ships with mediapipe"
        )
    return f"{model.path} is missing from the mediapipe installation: reinstall with scripts/bootstrap.sh"


def _inputs_stamp(detector_path: Path, landmarks_path: Path) -> str:
    digest = hashlib.sha256(f"arwed pose bundle {BUNDLE_FORMAT}".encode())
    for path in (detector_path, landmarks_path):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _stamp_of(bundle: Path) -> str | None:
    try:
        with zipfile.ZipFile(bundle) as archive:
            return archive.comment.decode("ascii", "replace") or None
    except (OSError, zipfile.BadZipFile):
        return None


def landmark_model_with_metadata(model_bytes: bytes) -> bytes:
    """The landmark model with its input normalisation written into its TFLite metadata."""
    mediapipe_without_matplotlib()
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model_bytes))
    writer.add_general_info("BlazePose landmarks", "pose landmarks, world landmarks and segmentation")
    writer.add_image_input(norm_mean=[LANDMARK_NORM_MEAN], norm_std=[LANDMARK_NORM_STD])
    model, _ = writer.populate()
    return bytes(model)


def build_pose_task(
    detector_path: Path, landmarks_path: Path, out_path: Path, stamp: str | None = None
) -> Path:
    """Write the uncompressed `.task` zip atomically (a half-written bundle is never seen by a reader)."""
    stamp = stamp or _inputs_stamp(detector_path, landmarks_path)
    members = {
        "pose_detector.tflite": detector_path.read_bytes(),
        "pose_landmarks_detector.tflite": landmark_model_with_metadata(landmarks_path.read_bytes()),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.extra = _alignment_padding(buffer.tell(), name)
            archive.writestr(info, data)
        archive.comment = stamp.encode("ascii")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(buffer.getvalue())
        os.chmod(temporary, 0o644)
        os.replace(temporary, out_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    log.info("built the pose model bundle %s from %s and %s", out_path, detector_path, landmarks_path)
    return out_path


def _alignment_padding(header_offset: int, name: str) -> bytes:
    """Extra-field bytes that make the member's data start on a ZIP_ALIGNMENT boundary."""
    header_length = 30 + len(name.encode())
    padding = -(header_offset + header_length) % ZIP_ALIGNMENT
    if padding == 0:
        return b""
    padding += ZIP_ALIGNMENT if padding < 4 else 0  # an extra field needs a 4-byte header of its own
    return (0xA11E).to_bytes(2, "little") + (padding - 4).to_bytes(2, "little") + b"\0" * (padding - 4)


def main() -> int:
    """Build every bundle whose models are on this machine; say which cannot be built and why."""
    status = 0
    for complexity in LANDMARK_NAMES:
        try:
            print(f"{COMPLEXITY_NAMES[complexity]}: {pose_task_path(complexity)}")
        except ModelUnavailable as exc:
            print(f"{COMPLEXITY_NAMES[complexity]}: not built: {exc}")
            status = 1 if complexity == 1 else status
    return status


if __name__ == "__main__":
    raise SystemExit(main())
