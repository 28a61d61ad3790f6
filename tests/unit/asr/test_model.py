"""Model provisioning: assemble once from the parts, verify the SHA-256, atomic, reusable."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from nlp.asr import AsrConfig, ModelUnavailableError, ensure_model
from nlp.asr import model as M
from tests.resources import missing


@pytest.fixture
def fake_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> M.PackagedModel:
    parts = [b"part-one-" * 1000, b"part-two-" * 700]
    dirs = {}
    for i, blob in enumerate(parts, start=1):
        d = tmp_path / "site" / f"pkg{i}" / "data"
        d.mkdir(parents=True)
        (d / f"model.bin.part{i}").write_bytes(blob)
        dirs[f"pkg{i}"] = d
    for name in M.MODEL_FILES:
        (dirs["pkg1"] / name).write_text(json.dumps({"name": name}))
    monkeypatch.setattr(M, "_package_dir", lambda name: dirs[name])
    spec = M.PackagedModel("tiny-test", ("pkg1", "pkg2"),
                           hashlib.sha256(b"".join(parts)).hexdigest(), sum(map(len, parts)))
    monkeypatch.setitem(M.PACKAGED, "tiny-test", spec)
    return spec


def test_assembles_once_and_verifies(tmp_path: Path, fake_packages: M.PackagedModel) -> None:
    cfg = AsrConfig(model_size="tiny-test", cache_dir=tmp_path / "cache")
    path = ensure_model(cfg)
    assert path == tmp_path / "cache" / "tiny-test"
    assert (path / "model.bin").read_bytes() == b"part-one-" * 1000 + b"part-two-" * 700
    stamp = json.loads((path / M.STAMP).read_text())
    assert stamp["sha256"] == fake_packages.sha256
    assert {p.name for p in path.iterdir()} == {"model.bin", M.STAMP, *M.MODEL_FILES}
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["tiny-test"]  # no temp left
    mtime = (path / "model.bin").stat().st_mtime_ns
    assert ensure_model(cfg) == path
    assert (path / "model.bin").stat().st_mtime_ns == mtime          # not re-assembled
    assert M.verify_model_dir(path, fake_packages.sha256, full=True)


def test_damaged_cache_is_reassembled(tmp_path: Path, fake_packages: M.PackagedModel) -> None:
    cfg = AsrConfig(model_size="tiny-test", cache_dir=tmp_path / "cache")
    path = ensure_model(cfg)
    with (path / "model.bin").open("r+b") as f:
        f.write(b"X")
    st = (path / "model.bin").stat()
    os.utime(path / "model.bin", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert not M.verify_model_dir(path, fake_packages.sha256)
    assert ensure_model(cfg) == path
    assert M.verify_model_dir(path, fake_packages.sha256, full=True)


def test_wrong_checksum_is_refused(tmp_path: Path, fake_packages: M.PackagedModel,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    bad = M.PackagedModel("tiny-test", fake_packages.packages, "0" * 64, fake_packages.nbytes)
    monkeypatch.setitem(M.PACKAGED, "tiny-test", bad)
    with pytest.raises(ModelUnavailableError) as exc:
        ensure_model(AsrConfig(model_size="tiny-test", cache_dir=tmp_path / "cache"))
    assert "sha256" in str(exc.value)
    assert "语音" in exc.value.user_message
    assert list((tmp_path / "cache").iterdir()) == []            # nothing half-written


def test_explicit_model_path(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError):
        ensure_model(AsrConfig(model_path=tmp_path))
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / name).write_text("x")
    assert ensure_model(AsrConfig(model_path=tmp_path)) == tmp_path
    assert M.model_name(AsrConfig(model_path=tmp_path)) == f"whisper:{tmp_path.name}"


def test_unknown_size(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailableError):
        ensure_model(AsrConfig(model_size="large-v3", cache_dir=tmp_path))


def test_the_real_packages_are_declared() -> None:
    spec = M.PACKAGED["base"]
    try:
        parts, meta = M.packaged_parts(spec)
    except ModelUnavailableError as exc:
        missing(str(exc))
    assert sum(p.stat().st_size for p in parts) == spec.nbytes
    assert all((meta / f).is_file() for f in M.MODEL_FILES)
