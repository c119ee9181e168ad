"""MediaPipe's PoseLandmarker (Tasks API) into typed observations: every person in view, each with a mask.

The landmarker runs from a `.task` bundle built offline from the models installed with mediapipe (see
models.py). Two measured limits of BlazePose shape this module:
- its detector and landmark networks give one person per image, whatever `num_poses` says (MediaPipe's
  model card: "tracks only one person on scene if multiple present"; three copies of one man side by
  side give one pose);
- its detector looks at the whole image at 224x224, so a full-body guest in a 1280x720 frame (a face of
  40 px, 7 px to the detector) is not found at all.
So each person gets a link of their own: a landmarker in video mode fed a square window of the frame
around that person (it follows them with the landmark network alone, and where it must detect again
the person fills the window). Making a landmarker costs about ten frames of tracking (150-250 ms of CPU
on this project's 2-core machine, half a second of wall time), so a link that ends hands its landmarker
on to the next newcomer (emptied of the person it followed first). A discovery landmarker looks for newcomers in one window of a grid over
the frame every DISCOVERY_EVERY frames, with everyone already followed painted out. Which person the
partner stands beside is decided in `arwed.geometry.identity`, by image-space continuity (a link is
no identity: links come and go).

The frame is downscaled to at most TRACKING_WIDTH_PX wide first; masks come back at that resolution
(the compositor scales them to the frame).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from arwed.config import TrackingSettings
from arwed.geometry.identity import box_overlap_of_smaller, most_prominent
from arwed.tracking.mediapipe_import import mediapipe_without_matplotlib
from arwed.tracking.models import pose_task_path
from arwed.types import BBox, Frame, PeopleObservation, PoseObservation

TRACKING_WIDTH_PX = 640
WINDOW_PX = 320  # a link's window is resampled to this square before the landmarker sees it
WINDOW_SCALE = 1.5  # a link's window side, in the person's box size (room to move between frames)
MIN_WINDOW_PX = 96
WINDOW_FOLLOW = 0.3  # per frame, how far a window moves towards where its person now is
LINK_PATIENCE = 2  # frames a link may miss its person (it detects again in its window) before it ends
DISCOVERY_GRID_FRACTION = 2.0 / 3.0  # discovery windows: squares this fraction of the frame's height
DISCOVERY_EVERY = 3  # frames between looks for a newcomer, through the next window
FULL_SWEEP_EVERY = 30  # with nobody followed, every window at once (the first frame too), this often
BBOX_MARGIN = 0.08  # landmarks sit inside the silhouette: widen the box by this fraction of its size
MIN_PRESENCE = 0.5  # the landmarker's own threshold that a followed person is still there
MIN_VISIBILITY = 0.5
MIN_SEEN_LANDMARKS = 8  # of 33: fewer seen is no person (a fragment, a hand)
MIN_HEIGHT_FRACTION = 0.15  # of the frame's height: a smaller "person" is a hand or a fragment (or 17 m off)
ERASE_THRESHOLD = 0.3  # mask values above this are painted out where others are looked for
ERASE_GROW = 0.06  # of the person's box height: painted a little wider than the mask (hair, blur)
DUPLICATE_OVERLAP = 0.6  # a person whose box lies this much inside one already found is that person again
ERASE_GREY = 127
ISOLATE_MARGIN = 0.5  # still images: the person's neighbourhood kept when looking at them again
SAME_PERSON_OVERLAP = 0.5  # a refined look that overlaps the first this little found someone else
STILL_REFINEMENTS = 2  # still images: looks through windows centred on a person found in a grid window


class _Link:
    """One person's landmarker and the window of the tracking image it looks through."""

    def __init__(self, landmarker, window: tuple[float, float, float]) -> None:
        self.landmarker = landmarker
        self.window = window  # centre x, centre y, side, in tracking-image pixels
        self.misses = 0

    def follow(self, box: BBox) -> None:
        cx, cy, side = _window_around(box)
        ox, oy, oside = self.window
        k = WINDOW_FOLLOW
        self.window = (ox + k * (cx - ox), oy + k * (cy - oy), oside + k * (side - oside))


class PoseTracker:
    """Call `people(frame)` once per frame, in time order, from one thread."""

    def __init__(self, settings: TrackingSettings | None = None, static_images: bool = False):
        mediapipe_without_matplotlib()
        import mediapipe.python as mp  # Image, ImageFormat
        from mediapipe.tasks.python import BaseOptions, vision

        self.settings = settings or TrackingSettings()
        self._mp = mp
        self._static = static_images
        base = BaseOptions(model_asset_path=str(pose_task_path(self.settings.model_complexity)))
        common = dict(
            base_options=base,
            num_poses=1,
            min_pose_detection_confidence=self.settings.min_detection_confidence,
            min_pose_presence_confidence=MIN_PRESENCE,
            min_tracking_confidence=self.settings.min_tracking_confidence,
            output_segmentation_masks=True,  # also paints people out where others are looked for
        )
        mode = vision.RunningMode.IMAGE if static_images else vision.RunningMode.VIDEO
        self._link_options = vision.PoseLandmarkerOptions(running_mode=mode, **common)
        self._create = vision.PoseLandmarker.create_from_options
        self._discovery = self._create(
            vision.PoseLandmarkerOptions(running_mode=vision.RunningMode.IMAGE, **common)
        )
        self._links: list[_Link] = []
        self._spare: list = []  # landmarkers of ended links, emptied, for the next newcomers
        self.landmarkers_made = 0  # link landmarkers made so far (the rest were reused)
        self._frames_since_discovery = DISCOVERY_EVERY
        self._frames_since_sweep = FULL_SWEEP_EVERY
        self._next_window = 0
        self._last_timestamp_ms = -1
        self._grey = None  # the picture that empties a spare landmarker (made on first use)

    def people(self, frame: Frame) -> PeopleObservation:
        """Everyone the tracker sees in this frame (possibly no one)."""
        image = frame.image_bgr
        height, width = image.shape[:2]
        scale = min(1.0, TRACKING_WIDTH_PX / width)
        if scale < 1.0:
            image = cv2.resize(
                image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
            )
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        timestamp_ms = self._timestamp_ms(frame.media_time_s)
        people: list[PoseObservation] = []
        kept: list[_Link] = []
        for link in self._links:
            found = self._look(link.landmarker, rgb, link.window, frame, scale, timestamp_ms)
            if found is None or _duplicate(found, people):
                link.misses += 1
                if link.misses > LINK_PATIENCE or found is not None:  # a duplicate ends at once
                    self._retire(link.landmarker, timestamp_ms)
                else:
                    kept.append(link)
                continue
            link.misses = 0
            link.follow(_scaled(found.bbox_px, scale))
            kept.append(link)
            people.append(found)
        self._links = kept
        if len(self._links) < self.settings.num_poses or self._static:
            people.extend(self._discover(rgb, people, frame, scale))
        if not self.settings.segmentation:
            people = [replace(person, segmentation_mask=None) for person in people]
        return PeopleObservation(frame.index, frame.media_time_s, (width, height), tuple(people))

    def process(self, frame: Frame) -> PoseObservation | None:
        """The most central, largest person, for callers that want one (the floor from a person)."""
        seen = self.people(frame)
        index = most_prominent(seen)
        return None if index is None else seen.people[index]

    def _discover(self, rgb: np.ndarray, people: list[PoseObservation], frame: Frame, scale: float):
        """Newcomers in the next discovery window; through every window for a still image, and while
        nobody is followed once every FULL_SWEEP_EVERY frames (so the first frame finds everyone)."""
        self._frames_since_discovery += 1
        self._frames_since_sweep += 1
        windows = discovery_windows(rgb.shape[1], rgb.shape[0])
        if not self._static and not (not self._links and self._frames_since_sweep >= FULL_SWEEP_EVERY):
            if self._frames_since_discovery < DISCOVERY_EVERY:
                return []
            windows = [windows[self._next_window % len(windows)]]
            self._next_window += 1
        elif not self._static:
            self._frames_since_sweep = 0
        self._frames_since_discovery = 0
        painted = rgb.copy()
        for person in people:
            _paint_out(painted, person, scale)
        found_now: list[PoseObservation] = []
        for window in windows:
            if len(self._links) >= self.settings.num_poses:
                break
            found = self._look(self._discovery, painted, window, frame, scale, None)
            for _ in range(STILL_REFINEMENTS if found is not None and self._static else 0):
                # a grid window may cut the person: look again through a window centred on them. The
                # larger window may hold a neighbour, whom the landmarker could take instead (their
                # silhouette would then end at this window's edge): then again with the picture beside
                # the person greyed
                box = _scaled(found.bbox_px, scale)
                centred = _window_around(box)
                refined = self._look(self._discovery, painted, centred, frame, scale, None)
                if refined is not None and not _same_person(refined, found):
                    refined = self._look(
                        self._discovery, _isolated(painted, box), centred, frame, scale, None
                    )
                if refined is None or not _same_person(refined, found):
                    break
                found = refined
            if found is None or _duplicate(found, people + found_now):
                continue
            found_now.append(found)
            _paint_out(painted, found, scale)
            if not self._static:
                # the link starts from the window its person was found in (where the detector sees them);
                # once its own landmarker has found them there, the window glides to centre on them
                self._links.append(_Link(self._link_landmarker(), window))
        return found_now

    def _link_landmarker(self):
        """A landmarker for a new link: a spare one when there is one, else a new one."""
        if self._spare:
            return self._spare.pop()
        self.landmarkers_made += 1
        return self._create(self._link_options)

    def _retire(self, landmarker, timestamp_ms: int) -> None:
        """An ended link's landmarker, kept for the next newcomer. In video mode it would start from the
        person it followed last (or one it saw and this module refused): a grey picture, one inference
        (a tenth of making one), leaves it with nobody, so its next picture is searched from scratch."""
        if len(self._spare) >= self.settings.num_poses:
            landmarker.close()
            return
        reset_ms = max(timestamp_ms, self._last_timestamp_ms) + 1
        self._last_timestamp_ms = reset_ms  # the next frame's timestamp comes after it, for every landmarker
        landmarker.detect_for_video(self._grey_window(), reset_ms)
        self._spare.append(landmarker)

    def _grey_window(self):
        if self._grey is None:
            grey = np.full((WINDOW_PX, WINDOW_PX, 3), ERASE_GREY, np.uint8)
            self._grey = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=grey)
        return self._grey

    def _look(self, landmarker, rgb, window, frame: Frame, scale: float, timestamp_ms: int | None):
        """The one person a landmarker finds in a window of the tracking image, in frame coordinates."""
        to_window = _window_matrix(window)
        crop = cv2.warpAffine(
            rgb,
            to_window,
            (WINDOW_PX, WINDOW_PX),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(ERASE_GREY, ERASE_GREY, ERASE_GREY),
        )
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=crop)
        if timestamp_ms is None or self._static:
            result = landmarker.detect(image)
        else:
            result = landmarker.detect_for_video(image, timestamp_ms)
        if not result.pose_landmarks:
            return None
        seen = sum(1 for p in result.pose_landmarks[0] if (p.visibility or 0.0) >= MIN_VISIBILITY)
        if seen < MIN_SEEN_LANDMARKS:  # a hand or a chair taken for a person: no body to speak of
            return None
        masks = result.segmentation_masks or [None]
        found = _observation(
            frame,
            result.pose_landmarks[0],
            result.pose_world_landmarks[0],
            masks[0],
            to_window,
            scale,
            rgb.shape,
        )
        if found.bbox_px[3] - found.bbox_px[1] < MIN_HEIGHT_FRACTION * frame.size_px[1]:
            return None
        return found

    def _timestamp_ms(self, media_time_s: float) -> int:
        """Video mode needs strictly increasing timestamps: a looping or seeking source goes back in time."""
        timestamp_ms = max(self._last_timestamp_ms + 1, int(round(media_time_s * 1000.0)))
        self._last_timestamp_ms = timestamp_ms
        return timestamp_ms

    def warm_up(self) -> None:
        """Run the discovery landmarker and one link once (the first inference builds a graph: a second)."""
        blank = np.zeros((WINDOW_PX, WINDOW_PX, 3), np.uint8)
        self._discovery.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=blank))

    def close(self) -> None:
        for landmarker in [link.landmarker for link in self._links] + self._spare:
            landmarker.close()
        self._links.clear()
        self._spare.clear()
        self._discovery.close()

    def __enter__(self) -> PoseTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def discovery_windows(width: int, height: int) -> list[tuple[float, float, float]]:
    """The whole frame first (people near the camera), then a grid of overlapping squares (people far off)."""
    windows = [(width / 2.0, height / 2.0, float(max(width, height)))]
    side = DISCOVERY_GRID_FRACTION * height
    step = 0.75 * side
    xs = _steps(width, side, step)
    ys = _steps(height, side, step)
    windows.extend((x + side / 2.0, y + side / 2.0, side) for y in ys for x in xs)
    return windows


def _steps(length: float, side: float, step: float) -> list[float]:
    if side >= length:
        return [(length - side) / 2.0]
    starts = list(np.arange(0.0, length - side, step))
    return [float(s) for s in starts] + [length - side]


def _window_around(box_tracking_px: BBox) -> tuple[float, float, float]:
    x0, y0, x1, y1 = box_tracking_px
    side = max(MIN_WINDOW_PX, WINDOW_SCALE * max(x1 - x0, y1 - y0))
    return (0.5 * (x0 + x1), 0.5 * (y0 + y1), side)


def _window_matrix(window: tuple[float, float, float]) -> np.ndarray:
    """The affine map from tracking-image pixels into the WINDOW_PX square."""
    cx, cy, side = window
    k = WINDOW_PX / side
    return np.array([[k, 0.0, WINDOW_PX / 2.0 - k * cx], [0.0, k, WINDOW_PX / 2.0 - k * cy]], np.float64)


def _scaled(box: BBox, scale: float) -> BBox:
    return (box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale)


def _duplicate(found: PoseObservation, people: list[PoseObservation]) -> bool:
    """Someone already found: their boxes nest, or most of the newcomer's silhouette is theirs."""
    for other in people:
        if box_overlap_of_smaller(found.bbox_px, other.bbox_px) > DUPLICATE_OVERLAP:
            return True
        if found.segmentation_mask is not None and other.segmentation_mask is not None:
            mine = found.segmentation_mask > 0.5
            shared = np.count_nonzero(mine & (other.segmentation_mask > 0.5))
            if shared > DUPLICATE_OVERLAP * max(1, np.count_nonzero(mine)):
                return True
    return False


def _same_person(a: PoseObservation, b: PoseObservation) -> bool:
    return box_overlap_of_smaller(a.bbox_px, b.bbox_px) >= SAME_PERSON_OVERLAP


def _isolated(rgb: np.ndarray, box_tracking_px: BBox) -> np.ndarray:
    """A copy with everything left and right of the person's box (grown by ISOLATE_MARGIN of its width on
    each side, for arms held out) painted grey; above and below are kept (where a grid window cuts)."""
    x0, _, x1, _ = box_tracking_px
    margin = ISOLATE_MARGIN * (x1 - x0)
    left, right = max(0, int(x0 - margin)), min(rgb.shape[1], int(np.ceil(x1 + margin)))
    isolated = rgb.copy()
    isolated[:, :left] = ERASE_GREY
    isolated[:, right:] = ERASE_GREY
    return isolated


def _paint_out(rgb: np.ndarray, person: PoseObservation, scale: float) -> None:
    """Paint a person's silhouette (grown a little) grey in the tracking image."""
    mask = person.segmentation_mask
    if mask is None:
        return
    grow_px = max(1, int(ERASE_GROW * (person.bbox_px[3] - person.bbox_px[1]) * scale))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1, 2 * grow_px + 1))
    region = cv2.dilate((mask > ERASE_THRESHOLD).astype(np.uint8), kernel).astype(bool)
    rgb[region] = ERASE_GREY


def _observation(
    frame: Frame, landmarks, world_landmarks, mask, to_window, scale, tracking_shape
) -> PoseObservation:
    width, height = frame.size_px
    image_lm = np.array([(p.x, p.y, p.visibility or 0.0) for p in landmarks], dtype=np.float64)
    world_lm = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float64)
    k, tx, ty = to_window[0, 0], to_window[0, 2], to_window[1, 2]
    window_px = image_lm[:, :2] * WINDOW_PX
    pixels = np.column_stack(((window_px[:, 0] - tx) / k, (window_px[:, 1] - ty) / k)) / scale
    visibility = image_lm[:, 2].copy()
    full_mask = None
    if mask is not None:
        full_mask = cv2.warpAffine(
            np.asarray(mask.numpy_view(), dtype=np.float32).reshape(WINDOW_PX, WINDOW_PX),
            to_window,
            (tracking_shape[1], tracking_shape[0]),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0.0,
        )
    return PoseObservation(
        frame_index=frame.index,
        media_time_s=frame.media_time_s,
        image_landmarks_px=pixels,
        world_landmarks_m=world_lm,
        visibility=visibility,
        segmentation_mask=full_mask,
        bbox_px=landmark_bbox_px(pixels, visibility, (width, height)),
    )


def landmark_bbox_px(
    pixels: np.ndarray, visibility: np.ndarray, size_px: tuple[int, int], min_visibility: float = 0.5
) -> tuple[float, float, float, float]:
    visible = pixels[visibility >= min_visibility]
    if len(visible) < 2:
        visible = pixels
    x0, y0 = visible.min(axis=0)
    x1, y1 = visible.max(axis=0)
    margin_x, margin_y = (x1 - x0) * BBOX_MARGIN, (y1 - y0) * BBOX_MARGIN
    width, height = size_px
    return (
        float(max(0.0, x0 - margin_x)),
        float(max(0.0, y0 - margin_y * 2.0)),  # the head's top is above the eyes and ears
        float(min(width, x1 + margin_x)),
        float(min(height, y1 + margin_y)),
    )
