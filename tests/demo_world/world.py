"""The demo world the tests read: its date, its AWS feed folders, and readers for its written files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demo_world import World

DATE = dt.date(2026, 11, 26)
FEEDS = ("AccountFeed_V1", "AddressFeed_V1", "AgreementFeed_V1", "BillingEventFeed_V1", "DailyUsageFeed_V1")


@dataclass(frozen=True)
class WrittenWorld:
    root: Path
    world: World

    def path(self, relative: str) -> Path:
        return self.root / relative

    def feed_files(self, feed: str) -> list[Path]:
        return sorted((self.root / "inbox" / "aws" / feed).glob("year=*/month=*/data.csv"))

    def feed_rows(self, feed: str) -> Iterator[dict[str, str]]:
        for path in self.feed_files(feed):
            yield from csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))

    def statements(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = json.loads(self.path("ownership/scenarios.json").read_text(encoding="utf-8"))
        for line in self.path("ownership/register.jsonl").read_text(encoding="utf-8").splitlines():
            out.append(json.loads(line))
        return out

    def truth(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.path("truth/tenants.csv").read_text(encoding="utf-8"))))


def current_rows(rows: Iterator[dict[str, str]], key: str, date: dt.date) -> dict[str, dict[str, str]]:
    """AWS's rule: per key, the latest valid_from, then the latest update_date; a deleting row removes it."""
    best: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["insert_date"][:10] > date.isoformat():
            continue
        k = row[key]
        rank = (row["valid_from"], row["update_date"])
        if k not in best or rank > (best[k]["valid_from"], best[k]["update_date"]):
            best[k] = row
    return {k: r for k, r in best.items() if not r["delete_date"]}
