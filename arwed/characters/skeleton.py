"""The node hierarchy of a glTF scene and forward kinematics over it.

Nodes are re-indexed so that every parent comes before its children, and grouped by depth so that
world transforms are computed one level at a time with batched matrix products (no per-node Python).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arwed.characters import quaternions as quat
from arwed.characters.gltf_io import GltfDocument


@dataclass
class Skeleton:
    names: list[str]
    parents: np.ndarray  # (N,) int, -1 for roots; parents[i] < i
    gltf_index: np.ndarray  # (N,) the node's index in the glTF file
    rest_translation: np.ndarray  # (N, 3)
    rest_rotation: np.ndarray  # (N, 4) xyzw
    rest_scale: np.ndarray  # (N, 3)
    levels: list[np.ndarray]  # node indices by depth (roots first)

    @property
    def count(self) -> int:
        return len(self.names)

    def index_of_gltf(self) -> dict[int, int]:
        return {int(g): i for i, g in enumerate(self.gltf_index)}

    def children(self, index: int) -> np.ndarray:
        return np.flatnonzero(self.parents == index)

    def is_ancestor(self, ancestor: int, node: int) -> bool:
        while node >= 0:
            if node == ancestor:
                return True
            node = int(self.parents[node])
        return False

    def chain_to_root(self, node: int) -> list[int]:
        chain = []
        while node >= 0:
            chain.append(node)
            node = int(self.parents[node])
        return chain

    def world_matrices(self, translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """(N, 4, 4) world transforms from local TRS arrays."""
        local = compose(translation, rotation, scale)
        world = local.copy()  # roots: world = local
        for nodes, parents in self._fk_plan():
            world[nodes] = np.matmul(world[parents], local[nodes])
        return world

    def _fk_plan(self) -> list[tuple[np.ndarray, np.ndarray]]:
        plan = getattr(self, "_plan", None)
        if plan is None:
            plan = []
            for level in self.levels:
                inner = level[self.parents[level] >= 0]
                if len(inner):
                    plan.append((inner, self.parents[inner]))
            self._plan = plan
        return plan

    def node_world(
        self, translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray, node: int
    ) -> np.ndarray:
        """(4, 4) world transform of one node, composing only its chain to the root."""
        chain = self.chain_to_root(node)[::-1]
        local = compose(translation[chain], rotation[chain], scale[chain])
        m = local[0]
        for k in range(1, len(chain)):
            m = m @ local[k]
        return m

    def rest_world(self) -> np.ndarray:
        return self.world_matrices(self.rest_translation, self.rest_rotation, self.rest_scale)

    def world_rotation(self, rotation: np.ndarray, node: int) -> np.ndarray:
        """The world rotation of one node from local rotations (exact for uniform scales)."""
        q = quat.IDENTITY.copy()
        for index in reversed(self.chain_to_root(node)):
            q = quat.multiply(q, rotation[index])
        return q


def compose(translation: np.ndarray, rotation: np.ndarray, scale: np.ndarray) -> np.ndarray:
    m = np.zeros(translation.shape[:-1] + (4, 4))
    m[..., :3, :3] = quat.to_matrix(rotation) * scale[..., None, :]
    m[..., :3, 3] = translation
    m[..., 3, 3] = 1.0
    return m


def build_skeleton(doc: GltfDocument) -> Skeleton:
    """All nodes reachable from the default scene, parents first."""
    gltf = doc.gltf
    nodes = gltf.nodes or []
    children_of: dict[int, list[int]] = {}
    has_parent = set()
    for i, node in enumerate(nodes):
        kids = [c for c in (node.children or []) if isinstance(c, int)]
        for c in kids:
            if not 0 <= c < len(nodes):
                raise doc.fail(f"lists child {c}, which does not exist", f"nodes[{i}].children")
            if c in has_parent:
                raise doc.fail(f"node {c} has two parents; glTF requires a tree", f"nodes[{i}].children")
            has_parent.add(c)
        children_of[i] = kids
    roots = _scene_roots(doc, has_parent)
    order: list[int] = []
    depth: list[int] = []
    parent_of: list[int] = []
    seen = set()
    stack = [(r, -1, 0) for r in reversed(roots)]
    while stack:
        node, parent, d = stack.pop()
        if node in seen:
            raise doc.fail(f"node {node} appears twice in the hierarchy (a cycle?)", "nodes")
        seen.add(node)
        parent_of.append(parent)
        order.append(node)
        depth.append(d)
        here = len(order) - 1
        stack.extend((c, here, d + 1) for c in reversed(children_of.get(node, [])))
    n = len(order)
    translation = np.zeros((n, 3))
    rotation = np.tile(quat.IDENTITY, (n, 1))
    scale = np.ones((n, 3))
    for i, g in enumerate(order):
        translation[i], rotation[i], scale[i] = _node_trs(doc, g)
    depth_arr = np.asarray(depth)
    levels = [np.flatnonzero(depth_arr == d) for d in range(int(depth_arr.max()) + 1)] if n else []
    names = [(nodes[g].name or f"node{g}") for g in order]
    return Skeleton(
        names,
        np.asarray(parent_of, dtype=np.int64),
        np.asarray(order, dtype=np.int64),
        translation,
        rotation,
        scale,
        levels,
    )


def _scene_roots(doc: GltfDocument, has_parent: set[int]) -> list[int]:
    gltf = doc.gltf
    scenes = gltf.scenes or []
    count = len(gltf.nodes or [])
    if scenes:
        index = gltf.scene if isinstance(gltf.scene, int) and 0 <= gltf.scene < len(scenes) else 0
        roots = [r for r in (scenes[index].nodes or []) if isinstance(r, int)]
        bad = [r for r in roots if not 0 <= r < count]
        if bad:
            raise doc.fail(f"lists node {bad[0]}, which does not exist", f"scenes[{index}].nodes")
        return roots
    return [i for i in range(count) if i not in has_parent]


def _node_trs(doc: GltfDocument, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    node = doc.gltf.nodes[index]
    try:
        if node.matrix is not None and len(node.matrix) == 16:
            m = np.asarray(node.matrix, dtype=np.float64).reshape(4, 4).T  # glTF stores column-major
            t = m[:3, 3].copy()
            s = np.linalg.norm(m[:3, :3], axis=0)
            r = m[:3, :3] / np.where(s > 1e-12, s, 1.0)
            if np.linalg.det(r) < 0:
                s[0] = -s[0]
                r[:, 0] = -r[:, 0]
            return t, quat.from_matrix(r), s
        t = np.asarray(node.translation if node.translation is not None else [0, 0, 0], dtype=np.float64)
        r = quat.normalize(
            np.asarray(node.rotation if node.rotation is not None else [0, 0, 0, 1], dtype=np.float64)
        )
        s = np.asarray(node.scale if node.scale is not None else [1, 1, 1], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise doc.fail(f"has a malformed transform ({exc})", f"nodes[{index}]") from None
    if t.shape != (3,) or r.shape != (4,) or s.shape != (3,) or not np.all(np.isfinite(np.r_[t, r, s])):
        raise doc.fail("has a malformed transform", f"nodes[{index}]")
    return t, r, s
