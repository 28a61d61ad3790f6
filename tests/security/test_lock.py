"""requirements.lock pins every dependency of pyproject.toml (and the build's) to one version
with its hashes: `./dev` installs nothing else, and pip refuses a file whose hash differs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes)."""
    out: dict[str, tuple[str, int]] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if m:
            current = _norm(m.group(1))
            out[current] = (m.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, n = out[current]
            out[current] = (version, n + 1)
    return out


def test_every_dependency_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"],
              *project["project"]["optional-dependencies"]["dev"],
              *project["build-system"]["requires"]]
    pins = locked()
    missing = [w for w in wanted if _norm(_NAME.match(w).group(1)) not in pins]  # type: ignore[union-attr]
    assert missing == [], f"not in requirements.lock (run ./dev lock): {missing}"
    assert all(n > 0 for _, n in pins.values())
    assert not re.search(r"^--(extra-)?index-url", (ROOT / "requirements.lock").read_text(),
                         re.MULTILINE)                                      # no host named
