"""Offscreen rendering: the only package that imports pyrender and OpenGL.

EGL is chosen before pyrender is imported: Mesa's llvmpipe renders in software on a machine without a
GPU, and the same code uses the GPU where there is one.
"""

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
