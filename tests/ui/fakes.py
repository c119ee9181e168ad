"""Stand-ins for the pipeline, sources and loaders: the console's logic tested in milliseconds.

FakePipeline implements arwed.session.pipeline_port.RunningPipeline, as arwed.pipeline.Pipeline does:
a thread that delivers a CompositeFrame per output at ~60 Hz, and records what the session told it.
Its frames are known: the stage image is mid grey with the character as a pure red block in the right
half (absent when hidden); glasses frames are black with the same block.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

from arwed.errors import InputFileError, SourceError
from arwed.types import CompositeFrame, CompositeMode

FRAME_SIZE = (320, 180)
CHARACTER_BOX = (220, 40, 280, 170)  # x0, y0, x1, y1
CHARACTER_BGR = (0, 0, 255)
STAGE_GREY = 128
CHARACTER_DEPTH_M = 2.5


class FakePipeline:
    instances: list[FakePipeline] = []

    def __init__(self, source, settings, character, profile=None, outputs=None, live=None, max_frames=None):
        self.source, self.settings, self.character, self.profile = source, settings, character, profile
        self.outputs = tuple(outputs or ())
        self.live = live
        self.character_hidden = False
        self.ceremony = None
        self.error = None
        self.last_state = "tracking"
        self.renderer_name = "fake renderer"
        self.settings_updates: list = []
        self.characters_set: list = []
        self.people_chosen: list = []  # frame pixels the operator clicked
        self.last_placement = None
        self.head_pose = None  # her head on the eyes frames (a test sets one)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="arwed fake render", daemon=True)
        FakePipeline.instances.append(self)

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout_s=None) -> bool:
        return self._stop.wait(timeout_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def set_character(self, character) -> None:
        self.characters_set.append(character)
        self.character = character

    def update_settings(self, settings) -> None:
        self.settings_updates.append(settings)
        self.settings = settings

    def set_outputs(self, outputs) -> None:
        self.outputs = tuple(outputs)

    def choose_person(self, point_px) -> None:
        self.people_chosen.append(tuple(point_px))

    def set_character_hidden(self, hidden: bool, fade_s: float = 0.0) -> None:
        self.character_hidden = bool(hidden)
        self.fade_s = fade_s

    def set_ceremony(self, ceremony) -> None:
        self.ceremony = ceremony

    def _run(self) -> None:
        index = 0
        while not self._stop.wait(1 / 60):
            hidden = self.character_hidden
            for output in list(self.outputs):
                output.deliver(self._frame(output.settings.mode, index, hidden))
            index += 1

    def _frame(self, mode: CompositeMode, index: int, hidden: bool) -> CompositeFrame:
        width, height = FRAME_SIZE
        image = np.full((height, width, 3), STAGE_GREY if mode is CompositeMode.STAGE else 0, np.uint8)
        if mode is CompositeMode.KEYED:
            image[:] = (0, 255, 0)
        x0, y0, x1, y1 = CHARACTER_BOX
        if not hidden:
            image[y0:y1, x0:x1] = CHARACTER_BGR
        camera = image.copy() if mode is CompositeMode.STAGE else None  # the clean feed: no character
        if camera is not None:
            camera[:] = STAGE_GREY
        placement = SimpleNamespace(anchor_m=np.array([0.7, 1.5, CHARACTER_DEPTH_M]))
        return CompositeFrame(
            image=image,
            frame_index=index,
            capture_time_s=time.monotonic() - 0.02,
            media_time_s=index / 60,
            mode=mode,
            placement=placement,
            character_bbox_px=None if hidden else tuple(float(v) for v in CHARACTER_BOX),
            camera_image=camera,
            head_pose=self.head_pose if mode is CompositeMode.EYES else None,
        )


def fake_source_opener(spec: str):
    if spec.startswith("camera:") or spec.endswith(".missing"):
        raise SourceError(f"{spec}: cannot open the camera or stream (is it plugged in and free?)")
    return SimpleNamespace(name=spec, is_live=True, fps=30.0, close=lambda: None)


def fake_character(name: str, height_m: float):
    info = SimpleNamespace(name=name, notices=(), meta={"authors": "A. Maker"}, license="CC-BY-4.0")
    return SimpleNamespace(info=info, height_m=height_m)


def fake_character_loader(path, height_m, height_to="top-of-head"):
    if path is not None and "bad" in str(path):
        raise InputFileError(path, "not a glTF or VRM file (no glTF header)")
    character = fake_character(str(path) if path else "figure", height_m)
    character.height_to = height_to  # what the height was asked to measure (placement.character_height_to)
    return character


def fake_profile_loader(path):
    if "bad" in str(path):
        raise InputFileError(path, "field 'camera_matrix': missing")
    return SimpleNamespace(path=path, floor=None, intrinsics_for=lambda w, h: SimpleNamespace(fx_px=w * 0.9))


def make_session(config=None, config_path=None, cameras=(), **overrides):
    from arwed.session.console import ConsoleSession
    from arwed.session.state import ConsoleConfig

    kwargs = dict(
        source_opener=fake_source_opener,
        character_loader=fake_character_loader,
        profile_loader=fake_profile_loader,
        pipeline_factory=FakePipeline,
        camera_lister=lambda: list(cameras),
    )
    kwargs.update(overrides)
    return ConsoleSession(config or ConsoleConfig(), config_path, **kwargs)


def wait_until(condition, timeout_s: float = 5.0, step_s: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return condition()
