"""Which interests are active on a date: bounds read by their first ten characters, missing bounds open."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline.ownership.graph import active_mask

BOUNDS = [None, "2025-06-30", "2025-06-30T23:59:59Z", "2025-07-01", "2025-07-01T00:00", "2025-06-3", "2024",
          "2025-06-31", "2025-06-30\u00e9", "\u00e92025", "2025-06-29T12:00", ""]  # fmt: skip


def test_bounds_count_by_their_date_whatever_follows_it() -> None:
    day = dt.date(2025, 6, 30)
    unset = [None] * len(BOUNDS)
    started = active_mask(pd.DataFrame({"start_date": BOUNDS, "end_date": unset}, dtype="str"), day).tolist()
    not_ended = active_mask(pd.DataFrame({"start_date": unset, "end_date": BOUNDS}, dtype="str"), day).tolist()
    assert started == [b is None or b[:10] <= "2025-06-30" for b in BOUNDS]
    assert not_ended == [b is None or b[:10] > "2025-06-30" for b in BOUNDS]
    assert started == [True, True, True, False, False, True, True, False, True, False, True, True]
