"""VRM spring bones (hair, skirts, ribbons): VRMC_springBone (VRM 1.0) and secondaryAnimation (VRM 0.x).

The simulation follows the specification's reference algorithm (Verlet integration of each joint's
tail, pulled back to its rest direction by stiffness, pulled by gravity, slowed by drag, pushed out of
sphere and capsule colliders, the bone then rotated to point at its tail), with two practical choices:
- one step per frame with the frame's time step, as the reference does, capped so a stall cannot explode it;
- joints at the same depth of all chains are updated together as arrays (chains are independent).
When the character is still and every tail has come to rest, the step is skipped entirely.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.gltf_io import GltfDocument
from arwed.characters.skeleton import Skeleton, compose

MAX_STEP_S = 1.0 / 20.0  # a longer gap (a stall) is simulated as this long, so nothing explodes
VRM0_END_LENGTH_M = 0.07  # VRM 0.x adds a tail this far beyond each chain's last bone
SETTLED_M = 1e-6


@dataclass
class SpringJoint:
    node: int  # skeleton index of the joint that rotates
    tail_local: np.ndarray  # (3,) the tail in the joint's local space at rest
    stiffness: float
    gravity_power: float
    gravity_dir: np.ndarray  # (3,)
    drag: float
    hit_radius: float
    colliders: tuple[int, ...]  # indices into the collider list
    center: int  # skeleton index of the center-space node, or -1
    previous: int  # index (in the joint list) of the spring joint above this one in its chain, or -1


@dataclass
class Collider:
    node: int
    offset: np.ndarray  # (3,) local
    tail: np.ndarray | None  # (3,) local, for a capsule
    radius: float


class SpringBones:
    def __init__(
        self,
        skeleton: Skeleton,
        joints: list[SpringJoint],
        colliders: list[Collider],
        rest_rotation: np.ndarray,
    ):
        self.skeleton = skeleton
        self.joints = joints
        self.colliders = colliders
        n = len(joints)
        self.nodes = np.array([j.node for j in joints], dtype=np.int64)
        self.parent_nodes = skeleton.parents[self.nodes] if n else np.zeros(0, np.int64)
        self.previous = np.array([j.previous for j in joints], dtype=np.int64)
        self.levels = _levels(self.previous)
        tails = np.array([j.tail_local for j in joints]).reshape(n, 3)
        self.bone_axis = tails / np.maximum(np.linalg.norm(tails, axis=1, keepdims=True), 1e-12)
        self.rest_local_rotation = rest_rotation[self.nodes].copy() if n else np.zeros((0, 4))
        self.rest_local_matrix = quat.to_matrix(self.rest_local_rotation)
        self.stiffness = np.array([j.stiffness for j in joints])
        self.gravity = np.array([j.gravity_dir * j.gravity_power for j in joints]).reshape(n, 3)
        self.drag = np.array([j.drag for j in joints])
        self.hit_radius = np.array([j.hit_radius for j in joints])
        self.centers = np.array([j.center for j in joints], dtype=np.int64)
        self.collide = np.zeros((n, len(colliders)), dtype=bool)
        for i, joint in enumerate(joints):
            self.collide[i, list(joint.colliders)] = True
        self._tails = tails
        self._current: np.ndarray | None = None  # (n, 3) tails, in each joint's center space
        self._previous: np.ndarray | None = None
        self._rotations: np.ndarray | None = None
        self._last_input: bytes | None = None

    @property
    def active(self) -> bool:
        return len(self.joints) > 0

    def reset(self) -> None:
        self._current = self._previous = self._rotations = None
        self._last_input = None

    def update(
        self,
        rotation: np.ndarray,
        translation: np.ndarray,
        scale: np.ndarray,
        dt: float,
        root_motion_model: np.ndarray | None,
    ) -> None:
        """Advance by dt seconds and write the spring joints' local rotations into `rotation` (in place)."""
        if not self.active:
            return
        rotation[self.nodes] = self.rest_local_rotation
        world = self.skeleton.world_matrices(translation, rotation, scale)
        moved = root_motion_model is not None and np.any(np.abs(root_motion_model) > 1e-9)
        if self._current is None:
            self._initialise(world)
            moved = False
        if moved:
            shift = np.where((self.centers < 0)[:, None], root_motion_model[None, :], 0.0)
            self._current = self._current - shift
            self._previous = self._previous - shift
        input_key = world[self.parent_nodes].tobytes()
        settled = float(np.max(np.abs(self._current - self._previous))) < SETTLED_M
        if not moved and settled and input_key == self._last_input and self._rotations is not None:
            rotation[self.nodes] = self._rotations
            return
        self._last_input = input_key
        if dt > 0.0:
            self._step(world, min(dt, MAX_STEP_S), rotation, translation, scale)
        elif self._rotations is not None:
            rotation[self.nodes] = self._rotations
        self._rotations = rotation[self.nodes].copy()

    def _initialise(self, world: np.ndarray) -> None:
        tails_world = (
            np.einsum("nij,nj->ni", world[self.nodes][:, :3, :3], self._tails) + world[self.nodes][:, :3, 3]
        )
        self._current = self._to_center(world, tails_world)
        self._previous = self._current.copy()
        heads = world[self.nodes][:, :3, 3]
        self.bone_length = np.linalg.norm(tails_world - heads, axis=1)

    def _to_center(self, world: np.ndarray, points: np.ndarray) -> np.ndarray:
        out = points.copy()
        has = self.centers >= 0
        if np.any(has):
            inv = np.linalg.inv(world[self.centers[has]])
            out[has] = np.einsum("nij,nj->ni", inv[:, :3, :3], points[has]) + inv[:, :3, 3]
        return out

    def _from_center(self, world: np.ndarray, points: np.ndarray) -> np.ndarray:
        out = points.copy()
        has = self.centers >= 0
        if np.any(has):
            m = world[self.centers[has]]
            out[has] = np.einsum("nij,nj->ni", m[:, :3, :3], points[has]) + m[:, :3, 3]
        return out

    def _step(
        self,
        world_fk: np.ndarray,
        dt: float,
        rotation: np.ndarray,
        translation: np.ndarray,
        scale: np.ndarray,
    ) -> None:
        current_w = self._from_center(world_fk, self._current)
        previous_w = self._from_center(world_fk, self._previous)
        next_w = np.zeros_like(current_w)
        new_world = world_fk[self.nodes].copy()  # each joint's world transform after this step
        inverse_fk = affine_inverse(new_world) if len(self.levels) > 1 else None
        collider_shapes = self._collider_world(world_fk)
        for level in self.levels:
            above = self.previous[level]
            joint_world = world_fk[self.nodes[level]]
            parent_world = world_fk[self.parent_nodes[level]]
            if np.any(above >= 0):
                # a joint moves with the spring joint above it: carry = new world @ inverse(old world) of that joint
                safe = np.maximum(above, 0)
                carry = np.where((above >= 0)[:, None, None], new_world[safe] @ inverse_fk[safe], np.eye(4))
                joint_world = carry @ joint_world
                parent_world = carry @ parent_world
            head = joint_world[:, :3, 3]
            frame = _rotation_part(parent_world) @ self.rest_local_matrix[level]
            axis_world = np.einsum("nij,nj->ni", frame, self.bone_axis[level])
            cur, prev = current_w[level], previous_w[level]
            nxt = (
                cur
                + (cur - prev) * (1.0 - self.drag[level, None])
                + dt * self.stiffness[level, None] * axis_world
                + dt * self.gravity[level]
            )
            length = self.bone_length[level, None]
            nxt = head + _unit(nxt - head) * length
            nxt = self._collide(level, nxt, head, length, collider_shapes)
            next_w[level] = nxt
            to_local = _unit(np.einsum("nji,nj->ni", frame, nxt - head))
            q = quat.multiply(self.rest_local_rotation[level], quat.from_to(self.bone_axis[level], to_local))
            rotation[self.nodes[level]] = q
            local = compose(translation[self.nodes[level]], q, scale[self.nodes[level]])
            new_world[level] = parent_world @ local
        self._previous = self._current
        self._current = self._to_center(world_fk, next_w)

    def _collider_world(self, world: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.colliders:
            return np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0)
        starts, ends, radii = [], [], []
        for c in self.colliders:
            m = world[c.node]
            start = m[:3, :3] @ c.offset + m[:3, 3]
            end = m[:3, :3] @ c.tail + m[:3, 3] if c.tail is not None else start
            starts.append(start)
            ends.append(end)
            radii.append(c.radius)
        return np.array(starts), np.array(ends), np.array(radii)

    def _collide(
        self,
        level: np.ndarray,
        nxt: np.ndarray,
        head: np.ndarray,
        length: np.ndarray,
        shapes: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> np.ndarray:
        starts, ends, radii = shapes
        mask = self.collide[level]
        if len(radii) == 0 or not np.any(mask):
            return nxt
        seg = ends - starts  # (C, 3)
        seg_len2 = np.maximum(np.einsum("cj,cj->c", seg, seg), 1e-12)
        rel = nxt[:, None, :] - starts[None, :, :]  # (n, C, 3)
        t = np.clip(np.einsum("ncj,cj->nc", rel, seg) / seg_len2, 0.0, 1.0)
        closest = starts[None] + t[..., None] * seg[None]
        away = nxt[:, None, :] - closest
        dist = np.linalg.norm(away, axis=2)
        depth = (radii[None, :] + self.hit_radius[level, None]) - dist  # > 0: inside
        push = np.where(
            (mask & (depth > 0))[..., None], away / np.maximum(dist, 1e-9)[..., None] * depth[..., None], 0.0
        )
        if not np.any(push):
            return nxt
        nxt = nxt + push.sum(axis=1)
        return head + _unit(nxt - head) * length


def affine_inverse(m: np.ndarray) -> np.ndarray:
    """Inverse of (n, 4, 4) rotation-scale-translation matrices, without a general solver when there is no shear."""
    a = m[:, :3, :3]
    gram = np.einsum("nki,nkj->nij", a, a)  # A^T A: diagonal (squared scales) when the columns are orthogonal
    diag = np.einsum("nii->ni", gram)
    if np.any(np.abs(gram - diag[:, :, None] * np.eye(3)) > 1e-9 * np.maximum(diag.max(), 1.0)):
        return np.linalg.inv(m)
    a_inv = np.transpose(a, (0, 2, 1)) / diag[:, :, None]
    out = np.zeros_like(m)
    out[:, :3, :3] = a_inv
    out[:, :3, 3] = -np.einsum("nij,nj->ni", a_inv, m[:, :3, 3])
    out[:, 3, 3] = 1.0
    return out


def _rotation_part(m: np.ndarray) -> np.ndarray:
    r = m[:, :3, :3]
    return r / np.maximum(np.linalg.norm(r, axis=1, keepdims=True), 1e-12)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _levels(previous: np.ndarray) -> list[np.ndarray]:
    depth = np.zeros(len(previous), dtype=np.int64)
    for i in range(len(previous)):  # joints are listed parents first
        depth[i] = depth[previous[i]] + 1 if previous[i] >= 0 else 0
    return [np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1)] if len(previous) else []


def read_spring_bones(doc: GltfDocument, skeleton: Skeleton, rest_rotation: np.ndarray) -> SpringBones:
    to_skeleton = skeleton.index_of_gltf()
    rest_world = skeleton.world_matrices(skeleton.rest_translation, rest_rotation, skeleton.rest_scale)
    ext1 = doc.extension("VRMC_springBone")
    vrm0 = doc.extension("VRM")
    if ext1 is not None:
        joints, colliders = _vrm1_springs(ext1, to_skeleton, rest_world)
    elif vrm0 is not None and isinstance(vrm0.get("secondaryAnimation"), dict):
        joints, colliders = _vrm0_springs(vrm0["secondaryAnimation"], skeleton, to_skeleton, rest_world)
    else:
        joints, colliders = [], []
    return SpringBones(skeleton, _parents_first(joints), colliders, rest_rotation)


def _parents_first(joints: list[SpringJoint]) -> list[SpringJoint]:
    """Order joints so each follows the one above it in its chain, remapping `previous`."""
    order: list[int] = []
    placed = set()
    remaining = list(range(len(joints)))
    while remaining:
        progressed = False
        for i in list(remaining):
            if joints[i].previous < 0 or joints[i].previous in placed:
                order.append(i)
                placed.add(i)
                remaining.remove(i)
                progressed = True
        if not progressed:
            break
    new_index = {old: new for new, old in enumerate(order)}
    out = []
    for old in order:
        joint = joints[old]
        joint.previous = new_index.get(joint.previous, -1) if joint.previous >= 0 else -1
        out.append(joint)
    return out


def _local_point(world: np.ndarray, node: int, point_world: np.ndarray) -> np.ndarray:
    inv = np.linalg.inv(world[node])
    return inv[:3, :3] @ point_world + inv[:3, 3]


def _vec(value, default, flip_z: bool = False) -> np.ndarray:
    if isinstance(value, dict):
        v = np.array([float(value.get(k, 0.0)) for k in "xyz"])
    elif isinstance(value, list | tuple) and len(value) == 3:
        v = np.array([float(x) for x in value])
    else:
        v = np.asarray(default, dtype=np.float64)
    if flip_z:
        v = v * np.array([1.0, 1.0, -1.0])
    return v


def _vrm1_springs(
    ext: dict, to_skeleton: dict[int, int], rest_world: np.ndarray
) -> tuple[list[SpringJoint], list[Collider]]:
    colliders: list[Collider] = []
    collider_index: dict[int, int] = {}
    for i, c in enumerate(ext.get("colliders") or []):
        if not isinstance(c, dict) or c.get("node") not in to_skeleton:
            continue
        shape = c.get("shape") or {}
        sphere, capsule = shape.get("sphere"), shape.get("capsule")
        spec = sphere if isinstance(sphere, dict) else capsule if isinstance(capsule, dict) else None
        if spec is None:
            continue
        tail = _vec(spec.get("tail"), [0, 0, 0]) if spec is capsule else None
        collider_index[i] = len(colliders)
        colliders.append(
            Collider(
                to_skeleton[c["node"]],
                _vec(spec.get("offset"), [0, 0, 0]),
                tail,
                float(spec.get("radius", 0.0)),
            )
        )
    groups = []
    for g in ext.get("colliderGroups") or []:
        ids = g.get("colliders") if isinstance(g, dict) else None
        groups.append(tuple(collider_index[c] for c in (ids or []) if c in collider_index))
    joints: list[SpringJoint] = []
    for spring in ext.get("springs") or []:
        if not isinstance(spring, dict):
            continue
        chain = [
            j for j in spring.get("joints") or [] if isinstance(j, dict) and j.get("node") in to_skeleton
        ]
        spring_colliders = tuple(
            sorted(
                {
                    c
                    for g in spring.get("colliderGroups") or []
                    if isinstance(g, int) and 0 <= g < len(groups)
                    for c in groups[g]
                }
            )
        )
        center = to_skeleton.get(spring.get("center"), -1)
        above = -1
        for head, tail in zip(chain, chain[1:], strict=False):
            node, tail_node = to_skeleton[head["node"]], to_skeleton[tail["node"]]
            joints.append(
                SpringJoint(
                    node,
                    _local_point(rest_world, node, rest_world[tail_node, :3, 3]),
                    float(head.get("stiffness", 1.0)),
                    float(head.get("gravityPower", 0.0)),
                    _vec(head.get("gravityDir"), [0, -1, 0]),
                    float(head.get("dragForce", 0.5)),
                    float(head.get("hitRadius", 0.0)),
                    spring_colliders,
                    center,
                    above,
                )
            )
            above = len(joints) - 1
    return joints, colliders


def _vrm0_springs(
    secondary: dict, skeleton: Skeleton, to_skeleton: dict[int, int], rest_world: np.ndarray
) -> tuple[list[SpringJoint], list[Collider]]:
    colliders: list[Collider] = []
    groups: list[tuple[int, ...]] = []
    for g in secondary.get("colliderGroups") or []:
        ids = []
        if isinstance(g, dict) and g.get("node") in to_skeleton:
            for c in g.get("colliders") or []:
                if isinstance(c, dict):
                    ids.append(len(colliders))
                    # VRM 0.x stores Unity-side offsets: z is mirrored relative to glTF
                    colliders.append(
                        Collider(
                            to_skeleton[g["node"]],
                            _vec(c.get("offset"), [0, 0, 0], True),
                            None,
                            float(c.get("radius", 0.0)),
                        )
                    )
        groups.append(tuple(ids))
    joints: list[SpringJoint] = []
    for group in secondary.get("boneGroups") or []:
        if not isinstance(group, dict):
            continue
        params = dict(
            stiffness=float(group.get("stiffiness", group.get("stiffness", 1.0))),
            gravity_power=float(group.get("gravityPower", 0.0)),
            gravity_dir=_vec(group.get("gravityDir"), [0, -1, 0], True),
            drag=float(group.get("dragForce", 0.4)),
            hit_radius=float(group.get("hitRadius", 0.02)),
            colliders=tuple(
                sorted(
                    {
                        c
                        for g in group.get("colliderGroups") or []
                        if isinstance(g, int) and 0 <= g < len(groups)
                        for c in groups[g]
                    }
                )
            ),
            center=to_skeleton.get(group.get("center"), -1),
        )
        for root in group.get("bones") or []:
            if root in to_skeleton:
                _vrm0_chain(skeleton, rest_world, to_skeleton[root], -1, params, joints)
    return joints, colliders


def _vrm0_chain(
    skeleton: Skeleton, rest_world: np.ndarray, node: int, above: int, params: dict, joints: list[SpringJoint]
) -> None:
    stack = [(node, above)]
    while stack:
        current, previous = stack.pop()
        children = skeleton.children(current)
        if len(children):
            tail_world = rest_world[children[0], :3, 3]
        else:
            parent = int(skeleton.parents[current])
            direction = rest_world[current, :3, 3] - (rest_world[parent, :3, 3] if parent >= 0 else 0.0)
            norm = np.linalg.norm(direction)
            if norm < 1e-9:
                continue
            tail_world = rest_world[current, :3, 3] + direction / norm * VRM0_END_LENGTH_M
        if np.linalg.norm(tail_world - rest_world[current, :3, 3]) < 1e-9:
            continue
        joints.append(
            SpringJoint(current, _local_point(rest_world, current, tail_world), previous=previous, **params)
        )
        here = len(joints) - 1
        stack.extend((int(c), here) for c in children)
