"""Peak resident memory of this process image, for the benchmarks' `peak_rss_mb` figures.

Invariant: the figure is this process's own high-water mark. `getrusage(RUSAGE_SELF).ru_maxrss` is not:
Linux carries the parent's peak into a child across fork/vfork and exec, so a measuring child started by
a parent that had just generated gigabytes of input reported the parent's peak. `VmHWM` in
/proc/self/status belongs to the memory map exec created; ru_maxrss is the fallback off Linux.
"""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident set size of this process image in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


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
