"""What the console does with the avatar's papers, as `arwed render` does (fake pipeline): the height is
measured as the settings say (placement.character_height_to), and with keepsakes.credit_line the credit is
drawn on snapshots and on the stage recording (not on the clean camera feed)."""

from __future__ import annotations

import time

import cv2
import numpy as np

from arwed.config import Settings
from arwed.film import folder as film_folder
from arwed.session.state import ConsoleConfig
from arwed.video_writer import open_video_frames
from tests.ui.fakes import FRAME_SIZE, STAGE_GREY, FakePipeline, make_session, wait_until


def test_the_console_scales_the_character_by_what_the_height_measures(tmp_path):
    settings = Settings().with_overrides({"placement": {"character_height_to": "eyes"}})
    session = make_session(ConsoleConfig(source="demo", keepsake_dir=str(tmp_path), settings=settings))
    try:
        session.start()
        assert wait_until(lambda: FakePipeline.instances and FakePipeline.instances[-1].running)
        pipeline = FakePipeline.instances[-1]
        assert pipeline.character.height_to == "eyes"
        back = session.settings.with_overrides({"placement": {"character_height_to": "top-of-head"}})
        session.update_settings(back)
        assert wait_until(
            lambda: pipeline.characters_set and pipeline.characters_set[-1].height_to == "top-of-head"
        )
    finally:
        session.close()


def _bottom_left(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    return image[int(height * 0.8) :, : width // 2]


def test_the_credit_line_is_on_snapshots_and_recordings_when_asked_for(tmp_path):
    settings = Settings().with_overrides({"keepsakes": {"credit_line": True}})
    session = make_session(ConsoleConfig(source="demo", keepsake_dir=str(tmp_path), settings=settings))
    try:
        session.start()
        assert wait_until(lambda: session.tap("stage").latest() is not None)
        session.keepsakes.snapshot()
        assert wait_until(lambda: list(tmp_path.glob("*/snapshot-*.png")))
        assert session.keepsakes.start_recording()
        stage = session.status().recording
        time.sleep(0.5)
        session.keepsakes.stop_recording()
        assert wait_until(lambda: not (stage.parent / f".{stage.name}.unfinished").exists(), timeout_s=10)
    finally:
        session.close()
    snapshot = cv2.imread(str(next(tmp_path.glob("*/snapshot-*.png"))))
    recorded = next(iter(open_video_frames(stage)[1]))[0]
    clean = next(iter(open_video_frames(film_folder.camera_video(stage.parent))[1]))[0]
    assert snapshot.shape[:2] == (FRAME_SIZE[1], FRAME_SIZE[0])
    for picture in (snapshot, recorded):
        corner = _bottom_left(picture).astype(int)
        assert (np.abs(corner - STAGE_GREY).max(axis=2) > 60).mean() > 0.05  # a dark band with light text
        assert abs(int(picture[10, 10].mean()) - STAGE_GREY) < 10  # the rest of the frame as it was
    assert (np.abs(_bottom_left(clean).astype(int) - STAGE_GREY) > 20).mean() < 0.01  # the clean feed: none
