"""The session's view of a pipeline: the real Pipeline and the tests' fake both keep the Protocol."""

from __future__ import annotations

import inspect

import pytest

from arwed.capture.demo import DemoSource
from arwed.characters.figure import procedural_humanoid
from arwed.config import Settings
from arwed.pipeline import Pipeline
from arwed.session.pipeline_port import RunningPipeline
from tests.ui.fakes import FakePipeline

MEMBERS = [name for name in dir(RunningPipeline) if not name.startswith("_")]


@pytest.fixture(params=["real", "fake"])
def pipeline(request):
    settings = Settings()
    if request.param == "real":
        return Pipeline(DemoSource(frames=1, size_px=(64, 64)), settings, procedural_humanoid(), live=True)
    return FakePipeline(None, settings, None, live=True)


def test_the_protocol_names_what_the_session_uses():
    assert {"set_outputs", "set_character_hidden", "set_character", "update_settings", "stop"} <= set(MEMBERS)


def test_both_pipelines_keep_the_protocol(pipeline):
    assert isinstance(pipeline, RunningPipeline)
    for name in MEMBERS:
        wanted = getattr(RunningPipeline, name)
        if isinstance(wanted, property):
            getattr(pipeline, name)  # readable
            continue
        got = inspect.signature(getattr(pipeline, name))
        assert list(got.parameters) == list(inspect.signature(wanted).parameters)[1:], name


def test_commands_are_methods_and_reading_back_shows_them(pipeline):
    pipeline.set_character_hidden(True)
    pipeline.set_outputs([])
    assert pipeline.character_hidden is True and list(pipeline.outputs) == []


def test_the_real_pipeline_cannot_be_written_from_outside():
    pipeline = Pipeline(DemoSource(frames=1, size_px=(64, 64)), Settings(), procedural_humanoid(), live=True)
    for name in ("outputs", "character_hidden", "error", "last_state", "renderer_name", "timings"):
        with pytest.raises(AttributeError):
            setattr(pipeline, name, None)
