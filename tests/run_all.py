"""The whole test suite, as `./dev test` and CI run it: lint, architecture contracts, pytest.

Exit status is non-zero on any failure. PostgreSQL tests run when 127.0.0.1:5432 answers
(or CRMBOT_TEST_POSTGRES_URL is set) and skip with a printed reason otherwise; under
CI=true a missing resource (PostgreSQL, the Whisper model, the ../shared clips) fails the run
(tests/resources.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Type-checked in CI: every package (SQLModel columns typed with `sqlmodel.col`).
MYPY_PATHS = ("bot", "nlp", "crm_core", "adapters", "scheduler")
BIN = Path(sys.executable).parent


def run(title: str, cmd: list[str]) -> int:
    print(f"\n=== {title}: {' '.join(cmd)}", flush=True)
    return subprocess.call(cmd, cwd=ROOT)


def main(argv: list[str]) -> int:
    failures = 0
    if not argv:  # a targeted run (./dev test tests/unit -k x) skips the linters
        failures += run("ruff", [str(BIN / "ruff"), "check", "."]) != 0
        failures += run("import contracts", [str(BIN / "lint-imports")]) != 0
        failures += run("mypy", [str(BIN / "mypy"), *MYPY_PATHS]) != 0
    env_markers = os.environ.get("CRMBOT_TEST_MARKERS")
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
    if env_markers:
        cmd += ["-m", env_markers]
    cmd += argv
    rc = run("pytest", cmd)
    if rc == 5:  # no tests collected is a failure for us: CI must run tests
        print("pytest collected no tests", flush=True)
    failures += rc != 0
    print(f"\n{'FAILED' if failures else 'OK'}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
