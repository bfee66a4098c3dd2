"""Peak resident memory of this process image, for the benchmarks' `peak_rss_mb` figures.

Invariant: `peak_rss_mb` has one definition, `pipeline.run.progress.peak_rss_mb` (the stages' own
figures use it too), re-exported here; resetting the mark and the current size are the benchmarks' own.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.run.progress import peak_rss_mb

__all__ = ["peak_rss_mb", "reset_peak", "rss_mb"]


def reset_peak() -> bool:
    """Start this process's high-water mark again from its current size (Linux: `5` to clear_refs), so a
    later `peak_rss_mb` is the peak of what ran since; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb() -> float:
    """Resident set size of this process now, in MiB (0 where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0
