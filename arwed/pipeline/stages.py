"""The stages both flows share: tracking (MediaPipe, then placement) and rendering (animation, render,
composite, outputs). Each is built, used and closed on its own thread; commands reach it through mailboxes."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from arwed.characters.base import Character, CharacterCue
from arwed.compositing import Compositor, SharedLayer
from arwed.config import CompositeSettings, LightingSettings, Settings
from arwed.geometry.camera import camera_intrinsics
from arwed.geometry.placement import Placer
from arwed.geometry.scene import ScenePlacer
from arwed.geometry.scene_light import SceneLighting
from arwed.pipeline.channels import Mailbox
from arwed.pipeline.head import EyesOutputs, HeadStage
from arwed.pipeline.health import FrameErrors, Timings
from arwed.render.renderer import CharacterRenderer
from arwed.tracking.pose import PoseTracker
from arwed.types import (
    BBox,
    CameraIntrinsics,
    CompositeFrame,
    CompositeMode,
    Frame,
    HeadPose,
    Occluder,
    Placement,
    PoseObservation,
    RenderedLayer,
    SceneLight,
)

if TYPE_CHECKING:
    from arwed.calibrate.profile import CalibrationProfile
    from arwed.ceremony.stage import CeremonyStage, StagedFrame
    from arwed.characters.light_variant import LightVariantSwitch


@dataclass(frozen=True)
class TrackingResult:
    """What tracking hands to rendering, in both flows: the frame it looked at and what it found there."""

    frame: Frame
    observation: PoseObservation | None  # the person the partner stands beside, when seen
    placement: Placement | None
    occluders: tuple[Occluder, ...] = ()  # everyone in view with a silhouette, nearest first
    people_in_view: int = 0
    person_changed: str = ""  # "first", "chosen" or "replaced" when the person followed changed

    @property
    def frame_index(self) -> int:
        return self.frame.index


@dataclass
class Output:
    """One composited output: its own mode and settings, fed every rendered frame on the render thread."""

    name: str
    settings: CompositeSettings
    deliver: Callable[[CompositeFrame], None]
    compositor: Compositor = field(init=False)

    def __post_init__(self) -> None:
        self.compositor = Compositor(self.settings)


class CameraModel:
    """The camera's intrinsics per image size (the profile's, else the default field of view), cached."""

    def __init__(self, profile: CalibrationProfile | None, default_hfov_deg: float) -> None:
        self._profile = profile
        self._default_hfov_deg = default_hfov_deg
        self._by_size: dict[tuple[int, int], CameraIntrinsics] = {}

    def intrinsics_for(self, frame: Frame) -> CameraIntrinsics:
        size = frame.size_px
        cached = self._by_size.get(size)
        if cached is None:  # two threads may both compute it once: the same value, no lock needed
            cached = camera_intrinsics(*size, self._profile, self._default_hfov_deg)
            self._by_size[size] = cached
        return cached


class TrackingStage:
    """MediaPipe then placement. Lives on the tracking thread: `open`, `track` each frame, `close`.

    Everyone in view is tracked; the scene placer (geometry.scene) picks whom the partner stands beside
    (or whom the operator chose with a click, posted to `chosen_point`), places the partner and orders
    everyone's silhouette by distance for occlusion."""

    def __init__(
        self,
        settings: Settings,
        profile,
        camera: CameraModel,
        timings: Timings,
        errors: FrameErrors,
        head: HeadStage | None = None,
    ) -> None:
        self.settings = settings
        self.head = head
        self._floor = profile.floor if profile is not None else None
        self._camera, self._timings, self._errors = camera, timings, errors
        self.new_settings = Mailbox()  # any thread posts; the tracking thread collects before each frame
        self.chosen_point = Mailbox()  # a frame pixel the operator clicked: follow the person there
        self._tracker: PoseTracker | None = None
        self._placer: ScenePlacer | None = None

    def open(self) -> None:
        self._tracker = PoseTracker(self.settings.tracking)
        self._tracker.warm_up()

    def track(self, frame: Frame) -> TrackingResult:
        self._apply_new_settings()
        placer = self._placer = self._placer or self._make_placer(frame)
        chosen = self.chosen_point.collect()
        if chosen is not None:
            placer.choose(chosen)
        started = time.perf_counter()
        seen = None
        try:
            seen = self._tracker.people(frame)
        except Exception as exc:
            self._errors.report("tracking", frame.index, exc)
        tracked = time.perf_counter()
        scene = placer.update(seen, frame.media_time_s)
        placed = time.perf_counter()
        person = None if seen is None or scene.partner_person is None else seen.people[scene.partner_person]
        if self.head is not None:
            try:
                self.head.observe(
                    frame,
                    person,
                    placer.last_body_pose,
                    self._camera.intrinsics_for(frame),
                    scene.changed,
                )
            except Exception as exc:
                self._errors.report("head tracking", frame.index, exc)
        self._timings.add("tracking", (tracked - started) * 1000.0)
        self._timings.add("placement", (placed - tracked) * 1000.0)
        return TrackingResult(
            frame, person, scene.placement, scene.occluders, scene.people_in_view, scene.changed
        )

    def close(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
        if self.head is not None:
            self.head.close()

    def _apply_new_settings(self) -> None:
        settings = self.new_settings.collect()
        if settings is None:
            return
        self.settings = settings
        if self._placer is not None and settings.placement is not self._placer.placer.settings:
            self._placer.update_settings(settings.placement)

    def _make_placer(self, frame: Frame) -> ScenePlacer:
        intrinsics = self._camera.intrinsics_for(frame)
        return ScenePlacer(Placer(intrinsics, self.settings.placement, self.settings.tracking, self._floor))


@dataclass(frozen=True)
class RenderedFrame:
    """What one pass of the render stage did, for the loop's counters."""

    has_person: bool
    state: str  # the placement's state, "lost" without one


class RenderStage:
    """Animation, render, composite, outputs. Lives on the render thread: `open`, `render` each frame, `close`.

    The character arrives through a mailbox; the outputs and the hidden flag are read once per frame
    from values another thread replaces whole (never mutates)."""

    def __init__(
        self,
        character: Character,
        camera: CameraModel,
        timings: Timings,
        errors: FrameErrors,
        lighting: LightingSettings | None = None,
        eyes: EyesOutputs | None = None,
    ):
        self._character = character
        self.eyes = eyes  # set once by the pipeline when the first eyes output arrives
        self._camera, self._timings, self._errors = camera, timings, errors
        self.new_character = Mailbox()
        self.new_lighting = Mailbox()  # LightingSettings
        self._lighting_settings = lighting
        self._lighting: SceneLighting | None = None  # started by `open`: a stage never run leaves no thread
        self._renderer: CharacterRenderer | None = None
        self._last_anchor_m: np.ndarray | None = None
        self.light_variant: LightVariantSwitch | None = (
            None  # set by a live pipeline (characters.light_variant)
        )

    def open(self) -> str:
        """Make the GL context and draw once; the renderer's name."""
        self._lighting = SceneLighting(self._lighting_settings)
        self._renderer = CharacterRenderer()
        self._renderer.set_character(self._character)
        self._renderer.warm_up(self._character.pose(CharacterCue(time_s=0.0)))
        return self._renderer.renderer_name()

    def close(self) -> None:
        if self._lighting is not None:
            self._lighting.close()
        if self.light_variant is not None:
            self.light_variant.close()
        if self._renderer is not None:
            self._renderer.close()

    def render(
        self,
        frame: Frame,
        result: TrackingResult | None,
        outputs: tuple[Output, ...],
        visibility: float = 1.0,
        ceremony: CeremonyStage | None = None,
    ) -> RenderedFrame:
        """One frame to every output; `visibility` is the operator's hide (1 shown, 0 hidden, between
        while it fades): it scales the character's opacity, and with it his contact shadow and her view."""
        self._apply_new_character()
        placement = result.placement if result else None
        occluders = result.occluders if result else ()
        mask = result.observation.segmentation_mask if result and result.observation else None  # light probe
        intrinsics = self._camera.intrinsics_for(frame)
        staged = self._stage(ceremony, frame, result, intrinsics)
        if staged is not None:
            placement = staged.placement  # where he walks, how visible he is
        if placement is not None and visibility < 1.0:
            placement = dataclasses.replace(placement, opacity=placement.opacity * max(0.0, visibility))
        layer, posed, times = None, None, {}
        light = self._light_for(frame, mask, times)
        camera_view = any(output.settings.mode is not CompositeMode.EYES for output in outputs)
        if placement is not None and placement.opacity > 0.0:
            try:
                posed, layer, drawn = self._draw_character(frame, placement, intrinsics, staged, camera_view)
                times.update(drawn)
                if self.light_variant is not None:
                    self.light_variant.observe(drawn)
            except Exception as exc:
                self._errors.report("rendering", frame.index, exc)
        # every viewpoint is drawn once per frame and shared by every output that shows it: the camera's
        # (above), her eyes' (the first eyes output draws it), and the layer with the people in front cut
        # out (the first output that needs it makes it); each output composes only its own picture
        shared = SharedLayer(layer) if layer is not None else None
        her_view: tuple[np.ndarray, BBox | None, HeadPose | None] | None = None
        for output in outputs:
            started = time.perf_counter()
            if output.settings.mode is CompositeMode.EYES:
                if her_view is None:
                    dark = (
                        staged is not None and staged.blackout
                    )  # a ceremony's blackout darkens her view too
                    her_view = self._her_view(frame, None if dark else posed, placement, times)
                composite = _eyes_frame(frame, her_view, placement, times, result)
            else:
                output.compositor.light = light  # the contact shadow agrees with the character's light
                image = output.compositor.compose(
                    frame.image_bgr, layer, placement, intrinsics, occluders, shared
                )
                if staged is not None and staged.blackout:
                    image = np.zeros_like(image)
                times["composite"] = times.get("composite", 0.0) + (time.perf_counter() - started) * 1000.0
                composite = _composite_frame(frame, image, output, placement, layer, times, result)
            if visibility < 1.0:  # the operator's hide, fading or done: the fan-out shows such frames
                composite = dataclasses.replace(composite, visibility=visibility)
            composed = time.perf_counter()
            output.deliver(composite)
            times["output"] = times.get("output", 0.0) + (time.perf_counter() - composed) * 1000.0
        head = her_view[2] if her_view is not None else None
        self._timings.add_all(times)
        self._timings.add("latency", (time.monotonic() - frame.capture_time_s) * 1000.0)
        if head is not None and (age_ms := self.eyes.head_age_ms()) is not None:
            self._timings.add("head_age", age_ms)
        has_person = result is not None and result.observation is not None
        return RenderedFrame(has_person, placement.state.value if placement else "lost")

    def _light_for(self, frame: Frame, mask: np.ndarray | None, times: dict[str, float]) -> SceneLight:
        """The room's light for this frame: the newest estimate (made about once a second on its own thread)."""
        settings = self.new_lighting.collect()
        if settings is not None and settings != self._lighting.settings:
            self._lighting.close()
            self._lighting = SceneLighting(settings)
        started = time.perf_counter()
        light = self._lighting.update(frame.image_bgr, mask, frame.media_time_s)  # never waits
        self._renderer.set_light(light)
        times["lighting"] = (time.perf_counter() - started) * 1000.0
        return light

    def _apply_new_character(self) -> None:
        character = self.new_character.collect()
        if character is not None:
            self._renderer.set_character(character)
            self._character = character
            if self.light_variant is not None:
                self.light_variant.retarget(character)

    def _stage(self, ceremony, frame: Frame, result, intrinsics: CameraIntrinsics) -> StagedFrame | None:
        """A running ceremony's direction for this frame; None without one (or when it fails: logged)."""
        if ceremony is None:
            return None
        placement = result.placement if result else None
        observation = result.observation if result else None
        try:
            return ceremony.frame(
                frame.media_time_s, placement, observation, intrinsics, capture_time_s=frame.capture_time_s
            )
        except Exception as exc:
            self._errors.report("ceremony", frame.index, exc)
            return None

    def _her_view(self, frame, posed, placement, times) -> tuple:
        """Her view, drawn once for every eyes output: the posed character from her eyes, on black;
        (image, the character's box, her head)."""
        if self.eyes is None:
            raise RuntimeError("an eyes output needs the pipeline's head tracking")
        head = self.eyes.head_for(frame)
        started = time.perf_counter()
        character_to_camera = placement.character_to_camera if placement is not None and posed else None
        opacity = placement.opacity if placement is not None else 0.0
        try:
            image, bbox = self.eyes.draw(self._renderer, posed, character_to_camera, head, opacity)
        except Exception as exc:
            self._errors.report("her view", frame.index, exc)
            image, bbox = self.eyes.draw(self._renderer, None, None, None, 0.0)
        times["eyes"] = (time.perf_counter() - started) * 1000.0
        return image, bbox, head

    def _draw_character(
        self,
        frame: Frame,
        placement: Placement,
        intrinsics: CameraIntrinsics,
        staged: StagedFrame | None = None,
        camera_view: bool = True,
    ) -> tuple[tuple, RenderedLayer | None, dict[str, float]]:
        """The posed character, and its layer in the camera's view when an output needs one."""
        started = time.perf_counter()
        rotation, translation = placement.character_to_camera[:3, :3], placement.character_to_camera[:3, 3]
        look_at = rotation.T @ (placement.person_head_m - translation)  # rigid: the inverse is the transpose
        moved = None if self._last_anchor_m is None else rotation.T @ (translation - self._last_anchor_m)
        self._last_anchor_m = translation.copy()  # spring bones (hair, coat tails) react to the walk
        # the camera is the guests' and the photos' eye: he cheats his face out to it (her view alone: no)
        audience = -(rotation.T @ translation) if camera_view else None
        cue = CharacterCue(
            time_s=frame.media_time_s, look_at_m=look_at, audience_m=audience, root_motion_m=moved
        )
        if staged is not None and staged.direction is not None:
            direction = staged.direction
            cue = CharacterCue(
                time_s=frame.media_time_s,
                look_at_m=direction.look_at_m,
                audience_m=audience,
                expressions=direction.expressions,
                root_motion_m=moved,
                body=direction.body,
            )
        posed = self._character.pose(cue)
        animated = time.perf_counter()
        times = {"animation": (animated - started) * 1000.0}
        layer = None
        if camera_view:
            layer = self._renderer.render(
                posed, placement.character_to_camera, intrinsics, opacity=placement.opacity
            )
            times["render"] = (time.perf_counter() - animated) * 1000.0
        return posed, layer, times


def _eyes_frame(frame, her_view, placement, times, result) -> CompositeFrame:
    image, bbox, head = her_view
    return CompositeFrame(
        image=image,
        frame_index=frame.index,
        capture_time_s=frame.capture_time_s,
        media_time_s=frame.media_time_s,
        mode=CompositeMode.EYES,
        placement=placement,
        character_bbox_px=bbox,
        stage_ms=dict(times),
        head_pose=head,
        tracked_frame_index=result.frame_index if result is not None else None,
    )


def _composite_frame(frame, image, output, placement, layer, times, result) -> CompositeFrame:
    return CompositeFrame(
        image=image,
        frame_index=frame.index,
        capture_time_s=frame.capture_time_s,
        media_time_s=frame.media_time_s,
        mode=output.settings.mode,
        placement=placement,
        character_bbox_px=layer.character_bbox_px if layer is not None else None,
        stage_ms=dict(times),
        camera_image=frame.image_bgr,  # the keepsake film's clean feed (session/keepsake_desk.py)
        tracked_frame_index=result.frame_index if result is not None else None,
    )
