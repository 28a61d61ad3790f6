"""``crmbot transcribe``: one JSON line per file; bad files get an error and rc 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli import main
from tests.unit.asr.audio_gen import encode, silence


def test_bad_files_get_error_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMBOT_WHISPER_CACHE_DIR", str(tmp_path / "cache"))
    from crm_core.settings import get_settings

    get_settings.cache_clear()
    jpeg = tmp_path / "photo.amr"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    quiet = tmp_path / "quiet.ogg"
    quiet.write_bytes(encode(silence(2.0), "ogg"))
    try:
        rc = main(["transcribe", str(jpeg), str(quiet), "missing.wav"])
    finally:
        get_settings.cache_clear()
    assert rc == 1
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in rows] == [str(jpeg), str(quiet), "missing.wav"]
    assert [r["error"] for r in rows] == ["unsupported", "no_speech", "unreadable"]
    assert all(r["message"] for r in rows)
    assert not (tmp_path / "cache").exists()       # the model was never needed


def test_settings_map_onto_the_config() -> None:
    from adapters.voice import asr_config_from_settings
    from crm_core.settings import Settings

    s = Settings(_env_file=None, whisper_beam_size=3, whisper_threads=4,  # type: ignore[call-arg]
                 whisper_decode_threads=2, voice_max_seconds=45, whisper_device="cpu")
    cfg = asr_config_from_settings(s)
    assert (cfg.beam_size, cfg.threads, cfg.max_seconds, cfg.device) == (3, 4, 45, "cpu")
    assert (cfg.replicas("cpu"), cfg.intra_threads("cpu")) == (2, 2)
    assert cfg.replicas("cuda") == 1


def test_replicas_share_the_cores() -> None:
    """Two cores: two replicas of one thread each (the default); a replica never gets
    more threads than there are cores, and there is always one."""
    from nlp.asr import AsrConfig

    assert (AsrConfig().replicas("cpu"), AsrConfig().intra_threads("cpu")) == (2, 1)
    one = AsrConfig(threads=1, decode_threads=2)
    assert (one.replicas("cpu"), one.intra_threads("cpu")) == (1, 1)
    assert AsrConfig(threads=3, decode_threads=1).replicas("cpu") == 3
