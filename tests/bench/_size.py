"""Sizes of the benchmarks: full by default, tiny under ``./deploy/dev bench --tiny`` (CI).

Every benchmark module picks its data sizes with ``sized(full, tiny)`` (and may read ``TINY``), so
``.ci/run`` can run every benchmark on a few rows — proving it still runs at HEAD, never timing it.
"""

from __future__ import annotations

import os

ENV = "NUANDONG_BENCH_TINY"


def tiny() -> bool:
    """True when the runner was given ``--tiny`` (read at call time: the runner sets it first)."""
    return os.environ.get(ENV) == "1"


def sized(full: int, tiny_size: int) -> int:
    """``full`` normally, ``tiny_size`` under ``--tiny``."""
    return tiny_size if tiny() else full
