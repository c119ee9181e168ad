"""Her head over time: filtered, predicted a little ahead, fused with the glasses' own orientation sensor.

Camera alone: each measurement (taken at its frame's capture time) updates a constant-velocity Kalman
filter on the rotation (and one on the position between her eyes): the estimate is predicted to the
measurement's time with the current angular velocity, then pulled towards the measurement by a gain
from the measurement's expected error (its `sigma_deg`: the face fit's misfit says how far off it is
likely to be) and from the surprise (a real turn inflates the process noise), so a still head is
steady and a turn does not lag. `pose_at(t)` predicts from the last estimate to t (at most `predict_s` ahead: that hides the
time tracking took) and then holds.

With the glasses' sensor (an IMU sending orientation at a high rate, relative to its own drifting
zero): the camera's absolute rotation R_cam and the sensor's R_imu at the same moment give the
correction C = R_cam R_imu^T (camera axes <- the sensor's world axes). C changes only with the sensor's
drift (degrees per minute), so a complementary filter follows it slowly (time constant
`fusion_time_constant_s`); her view uses C R_imu from the newest sensor sample: the sensor's speed and
latency with the camera's absolute direction. The sensor's samples are matched to the camera's frames by
time (interpolated in a short history), so the camera's processing delay does not enter C.

Nothing jumps: switching between fused and camera alone glides over `switch_glide_s`; a correction
never turns faster than MAX_CORRECTION_DEG_S; after a loss the last pose is held for `hold_s`, then
faded out over `fade_s`, and when she is seen again the filter glides from where it was.
Thread-safe: the tracking thread observes the camera, the receiver thread the sensor, the render thread
asks for poses.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from arwed.geometry.head import HeadMeasurement, HeadPose

MAX_CORRECTION_DEG_S = 360.0  # the filter never turns her view faster than this to follow a measurement
MAX_POSITION_SPEED_MPS = 2.0  # nor moves it faster than this
IMU_HISTORY_S = 2.0
IMU_PREDICT_S = 0.05  # the newest sensor sample is extrapolated by its rate at most this far
BIG_DISAGREEMENT_DEG = 25.0  # sensor re-centred or camera found her again: converge fast
FAST_FUSION_GAIN = 0.3
# a head's turn does not go on by itself, a walk does for a while: rates decay with these time constants
TURN_MEMORY_S = 1.0  # (a shorter memory lagged a walk's slow, sustained turns by 40-60 ms)
STEP_MEMORY_S = 1.0
MANOEUVRE_SURPRISE = 1.5  # normalised innovation beyond which the process noise is inflated
MAX_INFLATION = 300.0
NECK_TO_EYES_M = np.array([0.0, 0.10, 0.08])  # head axes: a head turns about the top of the neck
HELD_AFTER_S = 0.3  # unseen for longer than this: the pose is "held" (tracking runs at 15-30 Hz) ...
HELD_AFTER_GAPS = (
    2.5  # ... or than this many of the usual gaps between sightings (a slow machine tracks at 3 Hz)
)
STEADY_WINDOW_S = 0.8  # a still head's pose is averaged over this long (the alignment wizard's clicks)
STEADY_HISTORY = 120  # raw camera measurements kept for that (4 s at 30 Hz)


@dataclass(frozen=True)
class HeadFilterSettings:
    """How her head is filtered and fused (see arwed.config.EyesSettings for the user-facing fields)."""

    angular_process_noise_deg: float = 10.0  # white angular acceleration, deg/s^1.5 (higher follows faster)
    position_process_noise_m: float = 0.05  # and linear, m/s^1.5
    face_sigma_deg: float = 1.2  # one frame's face orientation error (confidence 1)
    body_sigma_deg: float = 3.0  # one frame's orientation from the ears and shoulders
    position_sigma_m: float = 0.006  # one frame's eye position from the body
    predict_s: float = 0.1  # predict at most this far past the last measurement, then hold
    hold_s: float = 1.0
    fade_s: float = 0.8
    fusion_time_constant_s: float = 2.0
    sensor_stale_s: float = 0.25  # no sensor sample for this long: the camera alone
    switch_glide_s: float = 0.4
    fade_in_s: float = 0.3


@dataclass(frozen=True)
class SteadyHead:
    """Her head averaged over the last moments while she holds it still: the raw camera measurements
    (one face fit is about a degree off with 1.5 px of landmark noise; thirty of them average to a
    fifth of that, where the filter, made to follow turns, keeps about half)."""

    position_m: np.ndarray  # (3,) between her eyes, camera coordinates
    rotation: np.ndarray  # (3, 3) head axes -> camera axes
    samples: int
    moved_deg: float  # the turn between the window's first and last third: she did not hold still
    moved_m: float


def mean_rotation(rotations: list[np.ndarray]) -> np.ndarray:
    """The rotation nearest to the mean of these (chordal L2 mean, by SVD)."""
    u, _, vt = np.linalg.svd(np.sum(rotations, axis=0))
    fix = np.diag([1.0, 1.0, float(np.sign(np.linalg.det(u @ vt)))])
    return u @ fix @ vt


def rotation_vector(rotation: np.ndarray) -> np.ndarray:
    return cv2.Rodrigues(np.asarray(rotation, dtype=np.float64))[0].ravel()


def rotation_from_vector(vector: np.ndarray) -> np.ndarray:
    return cv2.Rodrigues(np.asarray(vector, dtype=np.float64).reshape(3, 1))[0]


def slerp(a: np.ndarray, b: np.ndarray, fraction: float) -> np.ndarray:
    """The rotation `fraction` of the way from a to b (about the shortest axis)."""
    return rotation_from_vector(fraction * rotation_vector(b @ a.T)) @ a


def coasting_s(ahead_s: float, memory_s: float) -> float:
    """How far a rate decaying with time constant `memory_s` carries the value in `ahead_s`
    (in seconds of the current rate)."""
    return memory_s * (1.0 - math.exp(-max(0.0, ahead_s) / memory_s))


def _capped(vector: np.ndarray, limit: float) -> np.ndarray:
    length = float(np.linalg.norm(vector))
    return vector if length <= limit else vector * (limit / length)


class _ConstantVelocityKalman:
    """A constant-velocity Kalman filter for three independent axes that share one covariance.

    State per axis: the value's correction and its rate. Process noise is white acceleration with
    spectral density `acceleration_noise` (units/s^2)^2/Hz, inflated when a measurement is far outside
    what the filter expects (a turn starts: follow it now rather than smooth it)."""

    def __init__(self, acceleration_noise: float, initial_rate_sigma: float, rate_memory_s: float) -> None:
        self.acceleration_noise = acceleration_noise
        self.rate_memory_s = rate_memory_s
        self.covariance = np.diag([1.0, initial_rate_sigma**2])
        self.rate = np.zeros(3)

    def predict_covariance(self, dt: float, inflate: float = 1.0) -> np.ndarray:
        q = self.acceleration_noise * inflate
        transition = np.array(
            [[1.0, coasting_s(dt, self.rate_memory_s)], [0.0, math.exp(-dt / self.rate_memory_s)]]
        )
        noise = q * np.array([[dt**3 / 3.0, dt**2 / 2.0], [dt**2 / 2.0, dt]])
        return transition @ self.covariance @ transition.T + noise

    def update(self, innovation: np.ndarray, dt: float, measurement_sigma: float) -> np.ndarray:
        """The correction to apply to the predicted value; updates the rate and the covariance.

        The caller has predicted the value with `coasting_s(dt) * rate`; the rate itself decays."""
        self.rate = self.rate * math.exp(-dt / self.rate_memory_s)
        r = measurement_sigma**2
        predicted = self.predict_covariance(dt)
        surprise = float(np.dot(innovation, innovation)) / (3.0 * (predicted[0, 0] + r))
        if surprise > MANOEUVRE_SURPRISE:  # the motion changed: trust the measurement more for this step
            predicted = self.predict_covariance(
                dt, inflate=min(MAX_INFLATION, surprise / MANOEUVRE_SURPRISE) ** 2
            )
        gain = predicted[:, 0] / (predicted[0, 0] + r)
        self.covariance = predicted - np.outer(gain, predicted[0, :])
        self.rate = self.rate + gain[1] * innovation
        return gain[0] * innovation


class _RotationFilter:
    """The head's rotation (camera axes) and angular velocity; see _ConstantVelocityKalman."""

    def __init__(self, settings: HeadFilterSettings) -> None:
        self.settings = settings
        self.rotation: np.ndarray | None = None
        self._kalman = _ConstantVelocityKalman(
            math.radians(settings.angular_process_noise_deg) ** 2, math.radians(90.0), TURN_MEMORY_S
        )
        self.time_s = 0.0

    @property
    def velocity(self) -> np.ndarray:
        return self._kalman.rate

    def predict(self, time_s: float, horizon_s: float) -> np.ndarray:
        ahead = coasting_s(float(np.clip(time_s - self.time_s, 0.0, horizon_s)), self._kalman.rate_memory_s)
        return rotation_from_vector(self._kalman.rate * ahead) @ self.rotation

    def update(self, time_s: float, measured: np.ndarray, sigma_deg: float) -> None:
        if self.rotation is None:
            self.rotation, self.time_s = np.asarray(measured, dtype=np.float64), time_s
            self._kalman.covariance[0, 0] = math.radians(sigma_deg) ** 2
            return
        dt = time_s - self.time_s
        if dt <= 0.0:
            return
        predicted = self.predict(time_s, dt)
        innovation = rotation_vector(measured @ predicted.T)
        step = self._kalman.update(innovation, dt, math.radians(sigma_deg))
        step = _capped(step, math.radians(MAX_CORRECTION_DEG_S) * dt)
        self._kalman.rate = _capped(self._kalman.rate, math.radians(MAX_CORRECTION_DEG_S))
        self.rotation = rotation_from_vector(step) @ predicted
        self.time_s = time_s


class _PositionFilter:
    """The point between her eyes and its velocity; see _ConstantVelocityKalman."""

    def __init__(self, settings: HeadFilterSettings) -> None:
        self.settings = settings
        self.position: np.ndarray | None = None
        self._kalman = _ConstantVelocityKalman(settings.position_process_noise_m**2, 1.0, STEP_MEMORY_S)
        self.time_s = 0.0

    def predict(self, time_s: float, horizon_s: float) -> np.ndarray:
        ahead = coasting_s(float(np.clip(time_s - self.time_s, 0.0, horizon_s)), self._kalman.rate_memory_s)
        return self.position + self._kalman.rate * ahead

    def update(self, time_s: float, measured: np.ndarray) -> None:
        measured = np.asarray(measured, dtype=np.float64)
        if self.position is None:
            self.position, self.time_s = measured.copy(), time_s
            self._kalman.covariance[0, 0] = self.settings.position_sigma_m**2
            return
        dt = time_s - self.time_s
        if dt <= 0.0:
            return
        predicted = self.predict(time_s, dt)
        step = self._kalman.update(measured - predicted, dt, self.settings.position_sigma_m)
        self.position = predicted + _capped(step, MAX_POSITION_SPEED_MPS * dt)
        self._kalman.rate = _capped(self._kalman.rate, MAX_POSITION_SPEED_MPS)
        self.time_s = time_s


class _SensorFusion:
    """The sensor's samples and the slowly learned correction C (camera axes <- sensor world axes)."""

    def __init__(self, settings: HeadFilterSettings) -> None:
        self.settings = settings
        self.history: deque[tuple[float, np.ndarray]] = deque()
        self.correction: np.ndarray | None = None
        self._last_camera_s: float | None = None
        self._samples = 0

    def add(self, time_s: float, rotation: np.ndarray) -> None:
        if self.history and time_s <= self.history[-1][0]:
            return
        self.history.append((time_s, np.asarray(rotation, dtype=np.float64)))
        while self.history and self.history[0][0] < time_s - IMU_HISTORY_S:
            self.history.popleft()

    def active(self, now_s: float) -> bool:
        return bool(self.history) and now_s - self.history[-1][0] <= self.settings.sensor_stale_s

    def at(self, time_s: float) -> np.ndarray | None:
        """The sensor's rotation at a past moment (interpolated), None outside the history."""
        if not self.history or time_s < self.history[0][0] or time_s > self.history[-1][0] + 0.02:
            return None
        before = self.history[0]
        for sample in self.history:
            if sample[0] >= time_s:
                span = sample[0] - before[0]
                fraction = 0.0 if span <= 0.0 else (time_s - before[0]) / span
                return slerp(before[1], sample[1], fraction)
            before = sample
        return self.history[-1][1]

    def learn(self, time_s: float, camera_rotation: np.ndarray, confidence: float) -> None:
        sensor = self.at(time_s)
        if sensor is None:
            return
        measured = camera_rotation @ sensor.T
        if self.correction is None:
            self.correction, self._last_camera_s, self._samples = measured, time_s, 1
            return
        self._samples += 1
        dt = max(0.0, time_s - (self._last_camera_s or time_s))
        self._last_camera_s = time_s
        disagreement = math.degrees(float(np.linalg.norm(rotation_vector(measured @ self.correction.T))))
        if disagreement > BIG_DISAGREEMENT_DEG:
            gain = FAST_FUSION_GAIN
        else:  # a running mean at first (the first frames are as good as later ones), then a low-pass
            gain = max(1.0 / self._samples, 1.0 - math.exp(-dt / self.settings.fusion_time_constant_s))
        self.correction = slerp(self.correction, measured, gain * float(np.clip(confidence, 0.05, 1.0)))

    def rotation_at(self, time_s: float) -> np.ndarray | None:
        """C R_imu, from the newest sample extrapolated by the sensor's own rate (a few ms)."""
        if self.correction is None or not self.history:
            return None
        newest_s, newest = self.history[-1]
        rotation = newest
        if len(self.history) >= 2:
            previous_s, previous = self.history[-2]
            span = newest_s - previous_s
            if span > 0.0:
                rate = rotation_vector(newest @ previous.T) / span
                ahead = float(np.clip(time_s - newest_s, 0.0, IMU_PREDICT_S))
                rotation = rotation_from_vector(rate * ahead) @ newest
        return self.correction @ rotation


class HeadTracker:
    """Her head pose at any moment, from camera measurements and (optionally) the glasses' sensor."""

    def __init__(self, settings: HeadFilterSettings | None = None) -> None:
        self.settings = settings or HeadFilterSettings()
        self._lock = threading.Lock()
        self._rotation = _RotationFilter(self.settings)
        self._position = _PositionFilter(self.settings)
        self._sensor = _SensorFusion(self.settings)
        self._source = "face"
        self._confidence = 0.0
        self._last_seen_s: float | None = None
        self._usual_gap_s: float | None = None  # between her sightings, smoothed
        self._first_seen_s: float | None = None
        self._output_source: str | None = None
        self._last_output: np.ndarray | None = None
        self._last_output_raw: np.ndarray | None = None
        self._opacity_value = 0.0
        self._opacity_time_s: float | None = None
        self._glide_from: np.ndarray | None = None  # offset rotation at the last source switch
        self._glide_start_s = 0.0
        self._raw: deque[tuple[float, np.ndarray, np.ndarray]] = deque(maxlen=STEADY_HISTORY)

    # ---- inputs -------------------------------------------------------------------------------------

    def observe(
        self, time_s: float, position_m: np.ndarray | None, measurement: HeadMeasurement | None
    ) -> None:
        """One camera frame: her eyes' position (None when her body was not seen) and head orientation."""
        with self._lock:
            if position_m is not None and np.all(np.isfinite(position_m)):
                # the filter follows her neck, which moves slowly; her eyes swing round it with her head
                rotation = measurement.rotation if measurement is not None else self._rotation.rotation
                pivot = np.asarray(position_m, dtype=np.float64)
                if rotation is not None:
                    pivot = pivot - rotation @ NECK_TO_EYES_M
                self._position.update(time_s, pivot)
                if self._last_seen_s is not None and 0.0 < time_s - self._last_seen_s <= self.settings.hold_s:
                    gap = time_s - self._last_seen_s  # a loss longer than the hold is not the usual gap
                    self._usual_gap_s = (
                        gap if self._usual_gap_s is None else 0.8 * self._usual_gap_s + 0.2 * gap
                    )
                self._last_seen_s = time_s
                if self._first_seen_s is None:
                    self._first_seen_s = time_s
            if measurement is not None and position_m is not None and np.all(np.isfinite(position_m)):
                self._raw.append((time_s, np.asarray(position_m, dtype=np.float64), measurement.rotation))
            if measurement is not None:
                if measurement.sigma_deg is not None:
                    sigma = measurement.sigma_deg
                else:
                    sigma = (
                        self.settings.face_sigma_deg
                        if measurement.source == "face"
                        else self.settings.body_sigma_deg
                    )
                    sigma /= float(np.clip(measurement.confidence, 0.1, 1.0))
                self._rotation.update(time_s, measurement.rotation, sigma)
                self._sensor.learn(time_s, measurement.rotation, measurement.confidence)
                self._source, self._confidence = measurement.source, measurement.confidence

    def observe_sensor(self, time_s: float, rotation: np.ndarray) -> None:
        """One orientation sample from the glasses (its own axes: see arwed.capture.opentrack)."""
        with self._lock:
            self._sensor.add(time_s, rotation)

    def reset(self) -> None:
        with self._lock:
            self._rotation = _RotationFilter(self.settings)
            self._position = _PositionFilter(self.settings)
            self._sensor.correction = None
            self._last_seen_s = self._first_seen_s = self._opacity_time_s = self._usual_gap_s = None
            self._opacity_value = 0.0
            self._raw.clear()

    # ---- output -------------------------------------------------------------------------------------

    def newest_input_s(self) -> float | None:
        """When the newest information about her head was taken (a sensor sample, or a camera frame)."""
        with self._lock:
            times = [self._rotation.time_s] if self._rotation.rotation is not None else []
            if self._sensor.history:
                times.append(self._sensor.history[-1][0])
            return max(times) if times else None

    def sensor_active(self, now_s: float) -> bool:
        with self._lock:
            return self._sensor.active(now_s)

    def pose_at(self, time_s: float) -> HeadPose | None:
        """Her head at `time_s` (usually now, or when the frame will be seen), or None before she was seen."""
        with self._lock:
            if self._position.position is None or self._rotation.rotation is None:
                return None
            camera = self._rotation.predict(time_s, self.settings.predict_s)
            fused = self._sensor.rotation_at(time_s) if self._sensor.active(time_s) else None
            source = self._source if fused is None else f"udp+{self._source}"
            kind = "camera" if fused is None else "fused"
            rotation = self._glided(time_s, camera if fused is None else fused, kind)
            position = self._position.predict(time_s, self.settings.predict_s) + rotation @ NECK_TO_EYES_M
            opacity, held = self._opacity(time_s)
            confidence = self._confidence if fused is None else min(1.0, 0.5 + self._confidence)
            if held:
                source += ", held"
                confidence *= opacity
            return HeadPose(
                time_s=float(time_s),
                position_m=position,
                rotation=rotation,
                confidence=float(confidence),
                source=source,
                opacity=opacity,
            )

    def steady(
        self, now_s: float, window_s: float = STEADY_WINDOW_S, min_samples: int = 8
    ) -> SteadyHead | None:
        """Her head averaged over the camera measurements of the last `window_s` before `now_s` (None
        with fewer than `min_samples`), and how much it moved within that time."""
        with self._lock:
            recent = [(t, p, r) for t, p, r in self._raw if now_s - window_s <= t <= now_s]
        if len(recent) < min_samples:
            return None
        third = len(recent) // 3  # the window's first and last thirds: a turn within it shows between them
        first, last = recent[:third], recent[-third:]
        turned = mean_rotation([r for _, _, r in last]) @ mean_rotation([r for _, _, r in first]).T
        moved = np.mean([p for _, p, _ in last], axis=0) - np.mean([p for _, p, _ in first], axis=0)
        return SteadyHead(
            position_m=np.mean([p for _, p, _ in recent], axis=0),
            rotation=mean_rotation([r for _, _, r in recent]),
            samples=len(recent),
            moved_deg=float(np.degrees(np.linalg.norm(rotation_vector(turned)))),
            moved_m=float(np.linalg.norm(moved)),
        )

    def _glided(self, time_s: float, rotation: np.ndarray, kind: str) -> np.ndarray:
        """The rotation of the active kind (camera or fused), easing away the step at a switch."""
        if self._output_source is not None and kind != self._output_source and self._last_output is not None:
            previous = self._glided_value(time_s, self._last_output_raw)
            self._glide_from = previous @ rotation.T
            self._glide_start_s = time_s
        self._output_source = kind
        self._last_output_raw = rotation
        out = self._glided_value(time_s, rotation)
        self._last_output = out
        return out

    def _glided_value(self, time_s: float, rotation: np.ndarray) -> np.ndarray:
        if self._glide_from is None:
            return rotation
        left = 1.0 - (time_s - self._glide_start_s) / max(self.settings.switch_glide_s, 1e-6)
        if left <= 0.0:
            self._glide_from = None
            return rotation
        return rotation_from_vector(min(1.0, left) * rotation_vector(self._glide_from)) @ rotation

    def _opacity(self, time_s: float) -> tuple[float, bool]:
        """(opacity, held): 1 while seen, held for hold_s after the last sighting, then faded out over
        fade_s; back in over fade_in_s when she is seen again (a ramp, never a step)."""
        if self._last_seen_s is None:
            return 0.0, True
        unseen_s = time_s - self._last_seen_s
        held = unseen_s > max(HELD_AFTER_S, HELD_AFTER_GAPS * (self._usual_gap_s or 0.0))
        if unseen_s <= self.settings.hold_s:
            target = 1.0
        elif self.settings.fade_s <= 0.0:
            target = 0.0
        else:
            target = max(0.0, 1.0 - (unseen_s - self.settings.hold_s) / self.settings.fade_s)
        since = self._first_seen_s if self._opacity_time_s is None else self._opacity_time_s
        elapsed = max(0.0, time_s - since)
        self._opacity_time_s = time_s
        if target > self._opacity_value:
            rise = elapsed / self.settings.fade_in_s if self.settings.fade_in_s > 0.0 else 1.0
            self._opacity_value = min(target, self._opacity_value + rise)
        else:
            self._opacity_value = target
        return float(self._opacity_value), held
