"""Every change arwed makes to pyrender, in one place, applied explicitly and only to the version it
was written for (PINNED_PYRENDER; tests/render/test_pyrender_patches.py fails when it changes).

pyrender 0.1.45 has no hooks for what a software renderer needs, so arwed reaches into it:
- the multisample count of the main framebuffer (hard-coded 4; 0 on a software renderer, where
  multisampling costs more than it gives): `glRenderbufferStorageMultisample` in pyrender.renderer is
  wrapped, for the whole process, once `apply()` is called;
- the shader cache of an OffscreenRenderer (private `_renderer._program_cache`): arwed's light character
  shaders replace pyrender's PBR mesh shaders, and programs cache their uniform locations
  (`CachedUniformProgram`, which swaps a fresh program's class before its first use);
- rewriting a primitive's vertex buffer in place (private `_buffers`, `_in_context`);
- making the renderer's context current and dropping its main framebuffer (private `_platform`,
  `_renderer._delete_main_framebuffer`);
- the class of an OffscreenRenderer's renderer (`use_renderer_class`): arwed.render.mtoon's
  ToonSceneRenderer, a pyrender Renderer subclass that calls pyrender's private drawing methods and
  replaces two of them for speed (`_update_context`, skipped while its `_meshes` are the scene's;
  `_read_main_framebuffer`, reading `_main_fb_ms` itself when `multisample()` is 0).
Apart from that subclass (arwed/render/mtoon.py), nothing else in arwed touches a private member of
pyrender; the version guard covers both (the test hashes every pyrender module they rely on).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyrender
import pyrender.renderer
from OpenGL import GL
from pyrender.shader_program import ShaderProgram, ShaderProgramCache

from arwed.errors import UserError

log = logging.getLogger(__name__)

PINNED_PYRENDER = "0.1.45"
SHADER_DIR = Path(__file__).with_name("shaders")
CHARACTER_SHADERS = {"mesh.vert": SHADER_DIR / "character.vert", "mesh.frag": SHADER_DIR / "character.frag"}

_state = {"applied": False, "samples": 4}


def check_version() -> None:
    """Refuse a pyrender these patches were not written for (one line, not a wrong picture later)."""
    if pyrender.__version__ != PINNED_PYRENDER:
        raise UserError(
            f"pyrender {pyrender.__version__} is installed, but arwed's renderer is written for "
            f"pyrender {PINNED_PYRENDER}: install the pinned versions (pip install -c requirements.lock .)"
        )


def apply() -> None:
    """Install the process-wide patch (the multisample count); idempotent. Raises UserError for another
    pyrender version."""
    if _state["applied"]:
        return
    check_version()
    original = pyrender.renderer.glRenderbufferStorageMultisample

    def storage_multisample(target, samples, internal_format, width, height):
        return original(target, _state["samples"], internal_format, width, height)

    pyrender.renderer.glRenderbufferStorageMultisample = storage_multisample
    _state["applied"] = True


def set_multisample(samples: int) -> None:
    """The sample count of main framebuffers made from now on (pyrender's default: 4)."""
    _state["samples"] = int(samples)


def multisample() -> int:
    """The sample count main framebuffers are made with now."""
    return int(_state["samples"])


def use_character_shaders(offscreen: pyrender.OffscreenRenderer) -> None:
    offscreen._renderer._program_cache = CharacterShaderCache()


def use_renderer_class(offscreen: pyrender.OffscreenRenderer, renderer_class: type) -> None:
    """Swap the class of the renderer an OffscreenRenderer made for a subclass that adds no state
    (arwed.render.mtoon.ToonSceneRenderer: MToon programs and an outline pass)."""
    if not issubclass(renderer_class, pyrender.renderer.Renderer):
        raise TypeError(f"{renderer_class.__name__} is not a pyrender Renderer")
    offscreen._renderer.__class__ = renderer_class


def make_current(offscreen: pyrender.OffscreenRenderer) -> None:
    offscreen._platform.make_current()


def drop_main_framebuffer(offscreen: pyrender.OffscreenRenderer) -> None:
    """The next render makes it again (with the current multisample count)."""
    offscreen._renderer._delete_main_framebuffer()


def rewrite_vertices(primitive: pyrender.Primitive, interleaved: np.ndarray) -> bool:
    """Overwrite the primitive's uploaded vertex buffer; False when it is not uploaded yet."""
    if not primitive._in_context():
        return False
    GL.glBindBuffer(GL.GL_ARRAY_BUFFER, primitive._buffers[0])
    GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, interleaved.nbytes, interleaved)
    GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)
    return True


class CachedUniformProgram(ShaderProgram):
    """pyrender's program, but uniform locations are looked up once, and uniforms our shaders do not
    declare are skipped at once: pyrender sets a few hundred per frame, and PyOpenGL's lookup (plus
    pyrender's exception for a missing one) cost more than the drawing on a software renderer."""

    def _add_to_context(self):
        self._locations: dict[str, int] = {}
        self._values: dict[int, bytes] = {}  # a program keeps its uniforms: unchanged ones need no call
        self.material = None  # whose material uniforms it holds (arwed.render.mtoon sets them)
        super()._add_to_context()

    def set_uniform(self, name, value, unsigned=False):
        location = self._locations.get(name)
        if location is None:
            location = self._locations[name] = GL.glGetUniformLocation(self._program_id, name)
        if location == -1:
            return
        key = value.tobytes() if isinstance(value, np.ndarray) else repr((value, unsigned)).encode()
        if self._values.get(location) == key:
            return
        self._values[location] = key
        if isinstance(value, np.ndarray):
            self._set_array(location, value, unsigned)
        elif isinstance(value, float):
            GL.glUniform1f(location, value)
        elif unsigned:
            GL.glUniform1ui(location, int(value))
        else:
            GL.glUniform1i(location, int(value))

    def _set_array(self, location: int, value: np.ndarray, unsigned: bool) -> None:
        if value.ndim != 1:
            self._FUNC_MAP[value.shape](location, 1, GL.GL_TRUE, value)
            return
        if unsigned or np.issubdtype(value.dtype, np.unsignedinteger):
            kind, dtype = "u", np.uint32
        elif np.issubdtype(value.dtype, np.integer):
            kind, dtype = "i", np.int32
        else:
            kind, dtype = "f", np.float32
        self._FUNC_MAP[(value.shape[0], kind)](location, 1, value.astype(dtype, copy=False))


class CharacterShaderCache(ShaderProgramCache):
    """pyrender's shader cache, with our light character shaders in place of its PBR mesh shaders."""

    def get_program(self, vertex_shader, fragment_shader, geometry_shader=None, defines=None):
        if fragment_shader == "mesh.frag" and vertex_shader == "mesh.vert":
            # absolute paths survive pyrender's os.path.join(shader_dir, name)
            vertex_shader = str(CHARACTER_SHADERS["mesh.vert"])
            fragment_shader = str(CHARACTER_SHADERS["mesh.frag"])
        program = super().get_program(vertex_shader, fragment_shader, geometry_shader, defines)
        if type(program) is ShaderProgram and not program._in_context():
            program.__class__ = CachedUniformProgram  # before its first use: same state, cached uniforms
        return program
