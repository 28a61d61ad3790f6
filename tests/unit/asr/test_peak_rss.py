"""The worker's peak memory is its own, not the high-water mark of the process it was
forked from (Linux keeps ru_maxrss across exec)."""

import subprocess
import sys

import pytest

CODE = ("import resource; from nlp.asr.worker import _peak_rss_mb; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _peak_rss_mb())")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc semantics")
def test_peak_rss_of_a_child_ignores_a_big_parent() -> None:
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         check=True).stdout.split()
    inherited, own = float(out[0]), float(out[1])
    assert inherited > 300
    assert own < 200
    del ballast
