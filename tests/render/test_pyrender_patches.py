"""arwed's changes to pyrender are written against one version: these tests fail when it changes.

They pin the installed version, the pyproject pin, and the source of every pyrender function the
patches depend on (a changed function means the patch must be read again, and the hash renewed)."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pyrender
import pytest
from pyrender import offscreen, primitive, renderer, shader_program

from arwed.errors import UserError
from arwed.render import pyrender_patches

REPO_ROOT = Path(__file__).resolve().parents[2]

# sha256 (first 16 hex digits) of the source of what the patches rely on, in pyrender 0.1.45
RELIED_ON = {
    "Renderer._configure_main_framebuffer": (
        renderer.Renderer._configure_main_framebuffer,
        "275f56fc708d8ff7",
    ),
    "Renderer._delete_main_framebuffer": (renderer.Renderer._delete_main_framebuffer, "471a36a6a5fddd5c"),
    "ShaderProgram._add_to_context": (shader_program.ShaderProgram._add_to_context, "398640a8f063d0b1"),
    "ShaderProgram.set_uniform": (shader_program.ShaderProgram.set_uniform, "760f2de731648eba"),
    "ShaderProgramCache.get_program": (shader_program.ShaderProgramCache.get_program, "7d5575a68825c19f"),
    "Primitive._add_to_context": (primitive.Primitive._add_to_context, "9a687694d2f95d64"),
    "Primitive._in_context": (primitive.Primitive._in_context, "cfedfc42362db891"),
    "OffscreenRenderer._create": (offscreen.OffscreenRenderer._create, "1bbea36f513cfbbb"),
}

WHOLE_MODULES = {
    "pyrender.renderer": "364c16c98487e808",
    "pyrender.shader_program": "1f6969813351e162",
    "pyrender.primitive": "c8037fb409056614",
    "pyrender.offscreen": "dab44974b08eeee4",
    "pyrender.material": "39f8ab13ca148dc2",
}
# the modules allowed to use pyrender's private members: the patches, and the MToon renderer subclass they install
ALLOWED = {"pyrender_patches.py", "mtoon.py"}


def test_the_installed_and_the_pinned_pyrender_are_the_patched_version():
    assert pyrender.__version__ == pyrender_patches.PINNED_PYRENDER
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"pyrender=={pyrender_patches.PINNED_PYRENDER}" in project["project"]["dependencies"]
    lock = (REPO_ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert f"pyrender=={pyrender_patches.PINNED_PYRENDER}\n" in lock


@pytest.mark.parametrize("name", sorted(RELIED_ON))
def test_the_pyrender_code_the_patches_rely_on_is_unchanged(name):
    function, expected = RELIED_ON[name]
    digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
    assert digest == expected, f"pyrender's {name} changed: read pyrender_patches.py against it again"


@pytest.mark.parametrize("module", sorted(WHOLE_MODULES))
def test_the_pyrender_modules_arwed_subclasses_are_unchanged(module):
    """mtoon.ToonSceneRenderer (installed by pyrender_patches) calls many private drawing methods:
    any change to these modules means reading it and the patches again."""
    digest = hashlib.sha256(inspect.getsource(importlib.import_module(module)).encode()).hexdigest()[:16]
    assert digest == WHOLE_MODULES[module], f"{module} changed: read pyrender_patches.py and mtoon.py again"


def test_the_multisample_call_the_patch_wraps_is_where_it_was():
    assert "glRenderbufferStorageMultisample(" in inspect.getsource(
        renderer.Renderer._configure_main_framebuffer
    )


def test_another_pyrender_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(pyrender, "__version__", "0.2.0")
    with pytest.raises(UserError) as refused:
        pyrender_patches.check_version()
    assert "pyrender 0.2.0" in str(refused.value) and "\n" not in str(refused.value)


def test_importing_the_renderer_changes_nothing_in_pyrender():
    code = (
        "import OpenGL.GL as GL, pyrender.renderer as r, arwed.render.renderer\n"
        "print(r.glRenderbufferStorageMultisample is GL.glRenderbufferStorageMultisample)\n"
        "from arwed.render import pyrender_patches as p; p.apply()\n"
        "print(r.glRenderbufferStorageMultisample is GL.glRenderbufferStorageMultisample)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert result.stdout.split() == ["True", "False"]


def test_no_other_module_reaches_into_pyrender():
    private = re.compile(
        r"\._renderer\._|\._platform\.|\._buffers\b|\._in_context\(|_program_cache|_delete_main_framebuffer"
        r"|__class__ =|pyrender\.renderer\.\w+ ="
    )
    offenders = []
    for path in (REPO_ROOT / "arwed").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name not in ALLOWED and "pyrender" in text and private.search(text):
            offenders.append(path.relative_to(REPO_ROOT).as_posix())
    assert offenders == []
