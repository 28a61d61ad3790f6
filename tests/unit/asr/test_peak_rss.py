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


TRIM_CODE = """
import numpy as np
from nlp.asr.worker import _release_memory, _rss_mb
blocks = [np.ones(64 * 1024 // 8) for _ in range(3000)]   # ~190 MB of 64 KB heap blocks
keep = blocks[-1]                                          # pins the top of the heap
del blocks
before = _rss_mb()
_release_memory()
print(before, _rss_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc_trim")
def test_release_memory_hands_freed_heap_back() -> None:
    """After a job the worker returns the allocator's free pages, so that its resident
    memory does not creep up to the recycle limit (a recycle makes the next note wait)."""
    out = subprocess.run([sys.executable, "-c", TRIM_CODE], capture_output=True, text=True,
                         check=True).stdout.split()
    before, after = float(out[0]), float(out[1])
    assert before - after > 100
