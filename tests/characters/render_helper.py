"""A minimal offscreen render of posed parts (test-only; the real renderer lives in arwed/render)."""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")


def render_front(character, posed, size=(160, 240)) -> np.ndarray:
    """RGBA image of the character seen from +z (its front), framed on its height."""
    import pyrender

    scene = pyrender.Scene(ambient_light=[0.4, 0.4, 0.4], bg_color=[0, 0, 0, 0])
    for part, pose in zip(character.parts, posed, strict=True):
        material = pyrender.MetallicRoughnessMaterial(
            baseColorFactor=part.material.base_color_factor, doubleSided=True
        )
        primitive = pyrender.Primitive(
            positions=pose.positions_m, normals=pose.normals, indices=part.faces, material=material
        )
        scene.add(pyrender.Mesh([primitive]))
    height = character.height_m
    camera_pose = np.eye(4)
    camera_pose[:3, 3] = [0.0, height / 2, 2.2 * height]
    scene.add(pyrender.PerspectiveCamera(yfov=np.radians(30.0)), pose=camera_pose)
    scene.add(pyrender.DirectionalLight(intensity=3.0), pose=camera_pose)
    renderer = pyrender.OffscreenRenderer(*size)
    try:
        color, _ = renderer.render(scene, flags=pyrender.RenderFlags.RGBA)
    finally:
        renderer.delete()
    return color
