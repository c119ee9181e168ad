"""Snapshots, recordings and the virtual camera, fed from the stage stream.

Thread ownership: the operator's thread starts and stops them (a slow stop finishes on the control
thread); the render thread only offers frames to what is running (`offer`), reading the references
once per frame. The virtual camera is opened on the control thread (it can take a second)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from arwed.errors import UserError
from arwed.film import folder as film_folder
from arwed.session import keepsakes, recovery
from arwed.session.control import ControlThread
from arwed.session.disk_space import RecordingSpace
from arwed.session.events import SessionEvents
from arwed.session.filming import FilmLog
from arwed.session.frames import TapFrame
from arwed.session.microphone import MicrophoneInput, MicrophoneSource
from arwed.session.setup import SetUp

log = logging.getLogger("arwed.console")


class Keepsakes:
    def __init__(
        self,
        setup: SetUp,
        control: ControlThread,
        events: SessionEvents,
        running: Callable[[], bool],
        latest_stage_frame: Callable[[], TapFrame | None],
        ceremony_open: Callable[[], bool] = lambda: False,
        film_start: Callable[[], dict] = dict,
        credit: Callable[[], str | None] = lambda: None,
        microphone: MicrophoneSource = lambda: None,
        fade_s: Callable[[], float] = lambda: 0.0,
    ) -> None:
        """`credit`: the avatar's credit line when the settings ask for one (keepsakes.credit_line): drawn on
        snapshots and the stage recording, as `arwed render` draws it."""
        self._setup, self._control, self._events = setup, control, events
        self._running, self._latest = running, latest_stage_frame
        self._fade_s = fade_s  # the operator's fade time, in the event log with each hide and blackout
        self._recorder: keepsakes.Recorder | None = None
        self._camera_recorder: keepsakes.Recorder | None = None  # the clean feed of the keepsake film
        self._film_log: FilmLog | None = None
        self._film_start = film_start  # the state a recording's event log starts with
        self._credit = credit
        self.microphone_source = microphone  # the app puts the system's input here (ui/microphone.py)
        self._microphone: MicrophoneInput | None = None
        self._recording_started_s: float | None = None
        self._virtual_camera: keepsakes.VirtualCamera | None = None
        self._snapshot_wanted = False
        self._ceremony_open = ceremony_open  # a recording made then gets a track for his voice
        events.voice.connect(self._voice)  # a ceremony's voice goes into the recording too
        self._space_warned = False

    @property
    def recording(self) -> Path | None:
        recorder = self._recorder
        return Path(recorder.path) if recorder is not None else None

    @property
    def recording_started_s(self) -> float | None:
        """time.monotonic() when the running recording started (None: not recording)."""
        return self._recording_started_s if self._recorder is not None else None

    @property
    def virtual_camera(self) -> str | None:
        camera = self._virtual_camera
        return str(camera.device) if camera is not None else None

    def offer(self, frame: TapFrame, now_s: float) -> None:
        """A stage frame, on the render thread."""
        recorder, clean = self._recorder, self._camera_recorder
        if recorder is not None:
            recorder.offer(frame.image, now_s)  # the picture goes on during a blackout: the keepsake
        if clean is not None and frame.camera_image is not None:
            clean.offer(frame.camera_image, now_s)
        if self._snapshot_wanted:
            self._snapshot_wanted = False
            self._control.submit(lambda: self._write_snapshot(frame.image))

    def show(self, frame: TapFrame, now_s: float) -> None:
        """A stage frame as the outputs show it (the blackout's fade too), on the render thread or while a
        fade runs on the curtain's: the virtual camera shows what the guests see."""
        camera = self._virtual_camera
        if camera is not None:
            camera.offer(frame.image, now_s)

    def _voice(self, voice) -> None:
        """His voice started or stopped (session.cue_desk.VoiceCue, on the render thread)."""
        recorder = self._recorder
        if recorder is None or not recorder.voice:
            return
        now_s = time.monotonic()  # the clock `offer` is given (session/frames.py)
        if not voice.playing:
            recorder.stop_voice(now_s)
            return
        try:
            from arwed.ceremony.audio import decode_audio

            clip = decode_audio(voice.path, keepsakes.VOICE_FORMAT.rate_hz)  # decoded before: cached
        except UserError as exc:
            log.error("the recording goes on without his voice: %s", exc)
            return
        skip = int(voice.offset_s * clip.rate_hz)
        recorder.play_voice(clip.samples[skip:] * voice.volume, now_s)

    def snapshot(self) -> None:
        """A full-resolution PNG of the next stage frame, into today's keepsake folder."""
        if not self._running():
            log.warning("snapshot: nothing is running")
            return
        self._snapshot_wanted = True

    def _write_snapshot(self, image: np.ndarray) -> None:
        credit = self._credit()
        if credit:
            from arwed.characters.permissions import draw_credit_line

            image = image.copy()  # the frame views show is never written to
            draw_credit_line(image, credit)
        path = keepsakes.keepsake_path(self._setup.keepsake_root(), "snapshot", ".png")
        log.info("snapshot saved: %s", keepsakes.write_snapshot(image, path))

    def toggle_recording(self) -> None:
        if self._recorder is not None:
            self.stop_recording()
        else:
            self.start_recording()

    def start_recording(self) -> bool:
        """Start recording the stage output; refused (False, and the log says why) when nothing is shown."""
        if self._recorder is not None:
            return True
        if not self._running() or self._latest() is None:
            log.error("recording refused: no source is running; choose a camera or a video first")
            return False
        folder = keepsakes.keepsake_path(self._setup.keepsake_root(), "recording", "")
        path, camera_path = film_folder.stage_video(folder), film_folder.camera_video(folder)
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            log.error("recording refused: %s cannot be made (%s)", folder, exc.strerror or exc)
            return False
        origin_s = time.monotonic()  # 0 s of both videos and of the event log
        self._space_warned = False
        clean = keepsakes.Recorder(camera_path, start_s=origin_s, marked=False)
        microphone = self._open_microphone()
        recorder = keepsakes.Recorder(
            path,
            voice=self._ceremony_open() or microphone is not None,
            on_space=self._space,
            start_s=origin_s,
            beside=(camera_path,),
            credit=self._credit(),
        )
        try:
            self._film_log = FilmLog(
                film_folder.event_log(folder),
                origin_s,
                self._events,
                self._film_start(),
                recorder.fps,
                fade_s=self._fade_s,
            )
        except OSError as exc:
            log.error("%s: no event log for this recording (%s)", folder, exc.strerror or exc)
        clean.start()
        recorder.start()
        self._recording_started_s = time.monotonic()
        self._recorder, self._camera_recorder = recorder, clean
        if microphone is not None:
            try:
                microphone.start(lambda samples, heard_at_s: recorder.play_voice(samples, heard_at_s))
                self._microphone = microphone
            except Exception as exc:  # noqa: BLE001 - a device that fails must not stop the recording
                log.error(
                    "the microphone %s cannot be started (%s): recording without it", microphone.name, exc
                )
        log.info("recording to %s", path)
        self._events.recording.emit(Path(path))
        return True

    def _open_microphone(self) -> MicrophoneInput | None:
        """The microphone when the settings choose one; None otherwise, or when there is none (logged)."""
        if not self._setup.settings.keepsakes.microphone:
            return None
        try:
            microphone = self.microphone_source()
        except Exception as exc:  # noqa: BLE001 - an audio device that fails must not stop the recording
            log.error("the microphone cannot be opened (%s): recording without it", exc)
            return None
        if microphone is None:
            log.error("no microphone found: recording without it")
            return None
        log.info("recording the microphone: %s", microphone.name)
        return microphone

    def _space(self, space: RecordingSpace) -> None:
        """The disk space left, from the recording's thread about once a second."""
        if space.low and not self._space_warned:
            self._space_warned = True
            log.error(
                "the disk is nearly full: %s; free some space or change the keepsake folder", space.describe()
            )
        self._events.recording_space.emit(space)

    def recover(self) -> list[recovery.Recovered]:
        """Repair the recordings a crash left unfinished and say what each holds (on the control thread)."""
        found = recovery.recover_unfinished(self._setup.keepsake_root())
        for item in found:
            log.warning("recovered an unfinished recording: %s", item.describe())
        if found:
            self._events.recovered.emit(found)
        return found

    def stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        clean, self._camera_recorder = self._camera_recorder, None
        film_log, self._film_log = self._film_log, None
        microphone, self._microphone = self._microphone, None
        if microphone is not None:
            microphone.stop()
        if recorder is None:
            return
        self._events.recording.emit(None)

        def finish() -> None:
            if film_log is not None:
                film_log.close()
            if clean is not None:
                clean.stop()
            recorder.stop()  # last: it takes the unfinished marker away once everything is closed
            if recorder.error is None and recorder.frames_written == 0:
                log.error("recording stopped before its first frame: nothing was saved")
            elif recorder.error is None:
                seconds = recorder.frames_written / recorder.fps
                dropped = (
                    f", {recorder.dropped} frames dropped: the disk or the machine was slow"
                    if recorder.dropped
                    else ""
                )
                log.info("recording saved: %s (%.0f s%s)", recorder.path, seconds, dropped)

        self._control.submit(finish)

    def start_virtual_camera(self) -> None:
        self._control.submit(self._open_virtual_camera, "Starting the virtual camera")

    def _open_virtual_camera(self) -> None:
        if self._virtual_camera is not None:
            return
        frame = self._latest()
        width, height = (frame.image.shape[1], frame.image.shape[0]) if frame else (1280, 720)
        camera = keepsakes.open_virtual_camera(width, height, keepsakes.RECORDING_FPS)
        worker = keepsakes.VirtualCamera(camera, (width, height))
        worker.start()
        self._virtual_camera = worker
        log.info("virtual camera on: %s (pick it in OBS or the video call)", worker.device)
        self._events.virtual_camera.emit(str(worker.device))

    def stop_virtual_camera(self) -> None:
        worker, self._virtual_camera = self._virtual_camera, None
        if worker is not None:
            self._control.submit(worker.stop)
            log.info("virtual camera off")
        self._events.virtual_camera.emit(None)

    def set_folder(self, folder: str | None) -> None:
        self._setup.set_keepsake_dir(folder)
