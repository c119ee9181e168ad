"""His voice from WAV, OGG and MP3 files; broken files are one clear line."""

from __future__ import annotations

import numpy as np
import pytest

from arwed.ceremony.audio import decode_audio
from arwed.errors import InputFileError
from tests.ceremony.audio_files import tone, write_encoded, write_wav


@pytest.mark.parametrize(
    ("name", "codec", "rate"),
    [("v.wav", None, 22050), ("v.ogg", "libopus", 48000), ("v.mp3", "libmp3lame", 44100)],
)
def test_wav_ogg_and_mp3_decode_to_mono_at_the_playback_rate(tmp_path, name, codec, rate):
    samples = tone(1.5, rate, hz=300.0)
    path = tmp_path / name
    write_wav(path, samples, rate) if codec is None else write_encoded(path, samples, rate, codec)
    clip = decode_audio(path)
    assert clip.rate_hz == 48000
    assert clip.duration_s == pytest.approx(1.5, abs=0.08)  # encoders pad a few milliseconds
    spectrum = np.abs(np.fft.rfft(clip.samples))
    assert np.fft.rfftfreq(len(clip.samples), 1 / 48000)[np.argmax(spectrum)] == pytest.approx(300.0, abs=2.0)


@pytest.mark.parametrize(
    "content", [b"", b"RIFF\x00\x00\x00\x00WAVEjunk", b"\x00" * 4000, b"not audio at all"]
)
def test_broken_audio_is_one_line(tmp_path, content):
    path = tmp_path / "vows.wav"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        decode_audio(path)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_audio_is_one_line(tmp_path):
    with pytest.raises(InputFileError, match="cannot be read"):
        decode_audio(tmp_path / "none.wav")
