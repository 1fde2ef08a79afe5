"""Helpers shared by the benches: the run header and percentile summaries.

Every bench prints the machine, the date and its own command line first, because its figures only
mean something beside a baseline measured in the same run on the same (shared, noisy) machine.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]  # the checkout: run benches from it as `python -m bench.NAME`
QUANTILES = (("p50", 50.0), ("p99", 99.0), ("p99.9", 99.9), ("max", 100.0))


def header(title: str) -> str:
    """Machine, date and command line: what a reader needs to compare two runs."""
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    load = ", load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    argv = getattr(sys, "orig_argv", sys.argv)  # as typed: keeps ``-m bench.x``
    return (f"== bench {title}\n"
            f"machine: {platform.machine()}, nproc {os.cpu_count()}, {platform.node()}{load}\n"
            f"python {platform.python_version()}, numpy {np.__version__}, BLAS threads: {blas_threads()}\n"
            f"date: {now}\n"
            f"command: (cwd {os.getcwd()}) {shlex.join(argv)}")


def blas_threads() -> str:
    """The thread limit numpy's BLAS was started with: big offline products spread over every core."""
    limits = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
              if k in os.environ]
    return ", ".join(limits) or "not limited (OpenBLAS default: one per core)"


def summary(samples: np.ndarray) -> dict[str, float]:
    """p50 / p99 / p99.9 / max of ``samples`` (one value per call or run)."""
    values = np.percentile(samples, [q for _, q in QUANTILES])
    return {name: float(v) for (name, _), v in zip(QUANTILES, values, strict=True)}


def table(rows: Sequence[Sequence[str]], right: bool = True) -> str:
    """Columns padded to their widest cell; the first row is the heading."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [c.rjust(w) if right and i else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``1.23x``, or ``-`` when ``b`` is zero."""
    return f"{a / b:.2f}x" if b else "-"
