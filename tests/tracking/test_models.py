"""The PoseLandmarker bundles: built from files on this machine, with the network unavailable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from arwed.tracking import models

NO_NETWORK = shutil.which("unshare") is not None and subprocess.run(["unshare", "-n", "true"]).returncode == 0


def _offline(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a Python command in a network namespace of its own: no interface but a loopback that is down."""
    return subprocess.run(
        ["unshare", "-n", sys.executable, *args], env=env, capture_output=True, text=True, timeout=240
    )


@pytest.mark.skipif(
    not NO_NETWORK, reason="needs unshare -n (root or user namespaces) to take the network away"
)
def test_bundles_are_built_and_loaded_with_the_network_unavailable(tmp_path: Path, shared_data_dir: Path):
    env = {**os.environ, "ARWED_MODELS_DIR": str(tmp_path / "models")}
    script = (
        "import socket, sys, cv2\n"
        "try:\n"
        "    socket.create_connection(('pypi.org', 443), timeout=3); sys.exit('the network is reachable')\n"
        "except OSError:\n"
        "    pass\n"
        "from arwed.tracking.models import pose_task_path\n"
        "from arwed.tracking.pose import PoseTracker\n"
        "from arwed.config import TrackingSettings\n"
        "from arwed.types import Frame\n"
        f"image = cv2.imread({str(shared_data_dir / 'basketball1.png')!r})\n"
        "for complexity in (0, 1, 2):\n"
        "    path = pose_task_path(complexity)\n"
        "    assert path.parent.as_posix() == " + repr((tmp_path / "models").as_posix()) + ", path\n"
        "    with PoseTracker(TrackingSettings(model_complexity=complexity), static_images=True) as tracker:\n"
        "        seen = tracker.people(Frame(image, 0, 0.0, 0.0))\n"
        "    print(complexity, path.name, len(seen.people), [round(p.bbox_px[0]) for p in seen.people])\n"
    )
    result = _offline(["-c", script], env)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line.split() for line in result.stdout.strip().splitlines()]
    assert [line[1] for line in lines] == [
        "pose_landmarker_lite.task",
        "pose_landmarker_full.task",
        "pose_landmarker_heavy.task",
    ]
    for line in lines:  # every complexity finds the man on the left (his box starts within 60 px of x = 0)
        assert int(line[2]) >= 1, line
        assert min(int(x.strip("[],")) for x in line[3:]) < 60, line


def test_a_bundle_is_an_aligned_uncompressed_zip_with_the_landmark_normalisation(tmp_path: Path):
    bundle = models.build_pose_task(
        models.pose_detector_model().path, models.pose_landmark_model(1).path, tmp_path / "full.task"
    )
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos] == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)
        raw = bundle.read_bytes()
        for info in infos:  # MediaPipe maps members in place: each starts on a 4-byte boundary
            name_length = int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
            extra_length = int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
            assert (info.header_offset + 30 + name_length + extra_length) % 4 == 0
        landmarks = archive.read("pose_landmarks_detector.tflite")
    from mediapipe.tasks.python.metadata import metadata

    described = json.loads(metadata.MetadataDisplayer.with_model_buffer(landmarks).get_metadata_json())
    image_input = described["subgraph_metadata"][0]["input_tensor_metadata"][0]
    normalisation = image_input["process_units"][0]["options"]
    assert (normalisation["mean"], normalisation["std"]) == ([0.0], [255.0])
    # the same inputs give the same bytes (a fixed date; the stamp names the inputs)
    again = models.build_pose_task(
        models.pose_detector_model().path, models.pose_landmark_model(1).path, tmp_path / "again.task"
    )
    assert again.read_bytes() == bundle.read_bytes()


def test_a_missing_npm_model_is_one_clear_sentence(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(models, "npm_models_dir", lambda: tmp_path / "nowhere")
    with pytest.raises(models.ModelUnavailable, match="npm package @mediapipe/pose.*model_complexity 1"):
        models.pose_task_path(0)


def test_a_stale_bundle_is_rebuilt(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("ARWED_MODELS_DIR", str(tmp_path))
    first = models.pose_task_path(1)
    assert first.parent == tmp_path
    first.write_bytes(b"not a zip")
    rebuilt = models.pose_task_path(1)
    assert zipfile.is_zipfile(rebuilt)


def test_face_and_hand_models_ship_in_the_wheel():
    for model in (models.face_landmark_model(), models.hand_landmark_model(), models.pose_detector_model()):
        assert model.path.is_file(), model


def test_trackers_start_without_matplotlib():
    """mediapipe's own __init__ imports every legacy solution, and with them matplotlib.pyplot (~1 s of
    CPU at every tracker start, in every process that tracks): the trackers must not pull it in."""
    script = (
        "import sys\n"
        "from arwed.tracking.face import FaceTracker\n"
        "from arwed.tracking.pose import PoseTracker\n"
        "with PoseTracker() as tracker:\n"
        "    face = FaceTracker()\n"
        "    face.warm_up()\n"
        "    face.close()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'matplotlib'))\n"
        "print('mediapipe.tasks.python.vision.pose_landmarker' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["[]", "True"]
