"""Her head and her view inside the pipeline: the glue between tracking, the head filter and `eyes` outputs.

- `HeadStage` (tracking thread): after the pose and the placement, her face's landmarks on a crop around
  the pose's head (only while an `eyes` output exists: Face Mesh costs a few milliseconds), her head's
  orientation from them (or from the body), her eyes' position from the body, into the `HeadTracker`.
- The glasses' sensor (optional): an OpenTrack UDP receiver on 127.0.0.1 feeds the same tracker from its
  own thread.
- `EyesOutputs` (render thread): for each `eyes` output, her head predicted to when the picture will be
  seen, and the partner rendered from her eyes (arwed.render.eyes).
Clock: live sources use capture times (time.monotonic(), the sensor's clock too); files their media time.
"""

from __future__ import annotations

import logging
import time

from arwed.capture.opentrack import OpenTrackReceiver, SensorSample, sensor_rotation
from arwed.config import EyesSettings
from arwed.errors import UserError
from arwed.geometry.alignment import EyesCross
from arwed.geometry.head_measure import HeadMeasurer
from arwed.geometry.head_tracker import HeadTracker
from arwed.geometry.pose3d import BodyPose
from arwed.glasses import GlassesProfile
from arwed.pipeline.channels import Mailbox
from arwed.render.eyes import EyesView
from arwed.render.renderer import CharacterRenderer
from arwed.types import CameraIntrinsics, Frame, HeadPose, PoseObservation

log = logging.getLogger("arwed.pipeline")


class HeadStage:
    """Her head, measured once per tracked frame. Tracking thread; the tracker itself is thread-safe.

    Her head is the partner's person's (the one the scene placer follows, or the operator clicked): when
    that person changes, what was learned about the last one's head is forgotten and her view fades in
    on the new one rather than swinging across."""

    def __init__(self, tracker: HeadTracker, live_clock: bool) -> None:
        self.tracker = tracker
        self.live_clock = live_clock
        self.wanted = False  # set while an eyes output exists (any thread; read once per frame)
        self._faces = None
        self._measurer: HeadMeasurer | None = None

    def clock_s(self, frame: Frame) -> float:
        return frame.capture_time_s if self.live_clock else frame.media_time_s

    def observe(
        self,
        frame: Frame,
        observation: PoseObservation | None,
        body: BodyPose | None,
        intrinsics: CameraIntrinsics,
        person_changed: str = "",
    ) -> None:
        """`observation` and `body`: the partner's person this frame (None: not seen); `person_changed`:
        the scene placer's word when the person followed changed ("chosen", "replaced")."""
        if not self.wanted:
            return
        if self._faces is None:
            from arwed.tracking.face import FaceTracker

            self._faces = FaceTracker()
        if self._measurer is None or self._measurer.intrinsics is not intrinsics:
            self._measurer = HeadMeasurer(intrinsics)
        if person_changed in ("chosen", "replaced"):
            self._measurer.reset()
            self.tracker.reset()
        time_s = self.clock_s(frame)
        face = None
        if observation is not None and body is not None:
            face = self._faces.process(frame, observation)
        sighting = self._measurer.measure(
            time_s,
            None if body is None else body.landmarks_m,
            None if observation is None else observation.visibility,
            None if face is None else face.landmarks_px,
            None if observation is None else observation.image_landmarks_px,
        )
        self.tracker.observe(time_s, sighting.position_m, sighting.measurement)

    def close(self) -> None:
        if self._faces is not None:
            self._faces.close()


class HeadSensor:
    """The glasses' OpenTrack stream into the head tracker (a thread of its own)."""

    def __init__(self, tracker: HeadTracker, settings: EyesSettings) -> None:
        self._tracker = tracker
        self._invert = tuple(settings.udp_invert)
        self.receiver = OpenTrackReceiver(settings.head_udp_port, on_sample=self._on_sample)

    def start(self) -> None:
        try:
            self.receiver.start()
        except OSError as exc:
            raise UserError(
                f"head sensor: UDP port {self.receiver.port} on 127.0.0.1 cannot be opened ({exc.strerror}); "
                "is another program (OpenTrack itself?) listening there?"
            ) from None
        log.info("head sensor: listening for OpenTrack UDP on 127.0.0.1:%d", self.receiver.port)

    def _on_sample(self, sample: SensorSample) -> None:
        self._tracker.observe_sensor(sample.time_s, sensor_rotation(sample, self._invert))

    def close(self) -> None:
        self.receiver.close()


class EyesOutputs:
    """Her view for every `eyes` output. Render thread."""

    def __init__(self, tracker: HeadTracker, profile: GlassesProfile, live_clock: bool) -> None:
        self.tracker = tracker
        self.profile = profile
        self.live_clock = live_clock
        self.new_profile = (
            Mailbox()
        )  # a GlassesProfile (the wizard's calibrated one): used from the next picture
        self.cross: EyesCross | None = None  # the alignment wizard's cross (any thread writes it whole)
        self._view = EyesView(profile)  # one profile, one viewpoint: drawn once a frame for every eyes output
        self._render_s = 0.02  # how long her view takes to draw: the head is predicted that far ahead

    def head_for(self, frame: Frame) -> HeadPose | None:
        """Her head when this picture will be seen: now plus the drawing time (live), else the frame's time."""
        when = time.monotonic() + self._render_s if self.live_clock else frame.media_time_s
        return self.tracker.pose_at(when)

    def head_age_ms(self) -> float | None:
        """How old the newest information about her head is, now (live only)."""
        newest = self.tracker.newest_input_s()
        if not self.live_clock or newest is None:
            return None
        return (time.monotonic() - newest) * 1000.0

    def draw(self, renderer: CharacterRenderer, posed, character_to_camera, head, opacity: float):
        """Her view (valid until the next call: the buffer is reused) and where he appears in it."""
        profile = self.new_profile.collect()
        if profile is not None:
            self.profile = profile
            self._view = EyesView(profile)
        cross = self.cross
        if cross is not None:  # aligning: only the cross, so nothing else draws her eye
            posed = None
        view = self._view
        started = time.monotonic()
        image = view.render(renderer, posed, character_to_camera, head, opacity)
        if cross is not None and 0 <= cross.eye_index < len(view.eyes):
            where = cross.position_px(
                getattr(head, "position_m", None),
                getattr(head, "rotation", None),
                view.eyes[cross.eye_index],
                view.intrinsics,
            )
            image = view.draw_cross(cross.eye_index, where)
        self._render_s = 0.8 * self._render_s + 0.2 * (time.monotonic() - started)
        return image, self._view.character_bbox_px
