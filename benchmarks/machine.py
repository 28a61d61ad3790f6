"""What a benchmark ran on, in one line: figures from different machines are not comparable
(the same code gave a 15 s voice note in 2.17 s p95 on one two-core machine and 3.43 s on
another, an AMD EPYC without AVX-512, on the same day's code)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def describe() -> str:
    """'AMD EPYC, 2 CPUs, AVX-512 VNNI: no' (Linux; elsewhere the CPU count only)."""
    model, flags = "", set[str]()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not model:
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    parts = [model or "CPU", f"{os.cpu_count()} CPUs"]
    if flags:
        parts.append("AVX-512 VNNI: " + ("yes" if "avx512_vnni" in flags else "no"))
    return ", ".join(parts)
