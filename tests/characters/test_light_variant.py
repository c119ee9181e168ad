"""The light variant: found beside the model, chosen once when drawing the character falls behind."""

from __future__ import annotations

import threading

import pytest

from arwed.characters.catalog import default_character_path
from arwed.characters.light_variant import (
    CHARACTER_SHARE,
    WINDOW_FRAMES,
    LightVariantRule,
    LightVariantSwitch,
    frame_interval_ms,
    light_variant_of,
)
from arwed.characters.loader import load_character


def test_the_light_file_beside_a_model(tmp_path):
    model, light = tmp_path / "partner.vrm", tmp_path / "partner_light.vrm"
    model.write_bytes(b"x")
    assert light_variant_of(model) is None  # none shipped beside it
    light.write_bytes(b"x")
    assert light_variant_of(model) == light
    assert light_variant_of(light) is None  # a light model has no lighter one
    assert light_variant_of(None) is None
    assert light_variant_of(default_character_path()).name == "groom_light.glb"


def test_the_interval_is_the_cameras_or_thirty_frames_a_second():
    assert frame_interval_ms(25.0) == pytest.approx(40.0)
    assert frame_interval_ms(60.0) == pytest.approx(1000.0 / 30.0)  # the outputs need 30, not 60
    assert frame_interval_ms(None) == pytest.approx(1000.0 / 30.0)


def _times(ms: float) -> dict[str, float]:
    return {"animation": 0.25 * ms, "render": 0.75 * ms, "composite": 5.0}


def test_the_rule_switches_once_when_the_median_is_over_budget(tmp_path):
    rule = LightVariantRule(tmp_path / "light.glb", frame_interval_ms=40.0)
    assert rule.budget_ms == pytest.approx(CHARACTER_SHARE * 40.0)
    slow = rule.budget_ms * 1.3
    decisions = [rule.observe(_times(slow)) for _ in range(WINDOW_FRAMES + 20)]
    assert decisions[: WINDOW_FRAMES - 1] == [None] * (WINDOW_FRAMES - 1)  # a few seconds judged first
    assert decisions[WINDOW_FRAMES - 1] == tmp_path / "light.glb"
    assert decisions[WINDOW_FRAMES:] == [None] * 20  # once: never back and forth


def test_hiccups_frames_without_him_and_a_fast_machine_decide_nothing(tmp_path):
    rule = LightVariantRule(tmp_path / "light.glb", frame_interval_ms=40.0)
    for k in range(5 * WINDOW_FRAMES):
        hiccup = k % 4 == 0  # a quarter of the frames ten times too slow: the median stays low
        assert rule.observe(_times(rule.budget_ms * (10.0 if hiccup else 0.5))) is None
        assert rule.observe({"composite": 500.0}) is None  # nobody in view: nothing drawn, nothing judged
    assert LightVariantRule(None, 40.0).observe(_times(1000.0)) is None  # no light file: nothing to do


def test_the_switch_loads_the_light_groom_off_the_render_thread_at_the_same_size():
    full = load_character(default_character_path(), height_m=1.72)
    delivered, arrived = [], threading.Event()

    def deliver(character):
        delivered.append((character, threading.current_thread()))
        arrived.set()

    switch = LightVariantSwitch(full, 40.0, deliver)
    for _ in range(WINDOW_FRAMES):
        switch.observe(_times(200.0))
    assert arrived.wait(120.0)  # loaded in a child process at a low priority: slow on a loaded machine
    light, thread = delivered[0]
    assert thread is not threading.current_thread()
    assert light.info.source_path.endswith("groom_light.glb")
    assert light.height_m == pytest.approx(1.72)
    # lighter to draw: fewer triangles, and no outlines (a second pass over the outlined ones)
    assert light.info.triangles < 0.85 * full.info.triangles
    outlined = [
        {p.material.name for p in c.parts if p.material.mtoon is not None and p.material.mtoon.has_outline}
        for c in (full, light)
    ]
    assert outlined[0] and not outlined[1]
    switch.retarget(light)
    for _ in range(2 * WINDOW_FRAMES):
        switch.observe(_times(200.0))
    assert len(delivered) == 1


def test_a_broken_light_file_keeps_the_full_model_and_says_so(tmp_path, caplog):
    full_path = tmp_path / "groom.glb"
    full_path.write_bytes(default_character_path().read_bytes())
    (tmp_path / "groom_light.glb").write_bytes(b"not a model at all")
    full = load_character(full_path)
    delivered = []
    switch = LightVariantSwitch(full, 40.0, delivered.append)
    with caplog.at_level("WARNING", logger="arwed.characters"):
        for _ in range(WINDOW_FRAMES):
            switch.observe(_times(200.0))
        switch.close(120.0)
    assert not delivered
    assert "could not load the light variant" in caplog.text and "groom_light.glb" in caplog.text
