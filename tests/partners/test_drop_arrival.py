"""Whether a partner's drop for the date has come: the files whose absence says it has not (what the DAG's
late-drop sensor waits for), checked on the fixture drops."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from pipeline.partners import missing_from_drop
from pipeline.storage import Storage, local_uri
from tests.partners.builders import LOGICAL_DATE, aws_partner, gcp_partner


def test_a_complete_gcp_drop_has_come(gcp_dir: Path) -> None:
    assert missing_from_drop(Storage(), gcp_partner(local_uri(gcp_dir)), LOGICAL_DATE) == ()


def test_a_gcp_drop_without_its_accounts_has_not_come_but_usage_is_optional(gcp_dir: Path) -> None:
    partner = gcp_partner(local_uri(gcp_dir))
    shutil.rmtree(gcp_dir / "usage")
    assert missing_from_drop(Storage(), partner, LOGICAL_DATE) == ()
    shutil.rmtree(gcp_dir / "accounts")
    assert missing_from_drop(Storage(), partner, LOGICAL_DATE) == (
        f"{local_uri(gcp_dir)}/accounts/dt={LOGICAL_DATE.isoformat()}/accounts.jsonl",
    )
    # Another day's drop has not come either.
    next_day = LOGICAL_DATE + dt.timedelta(days=1)
    assert len(missing_from_drop(Storage(), partner, next_day)) == 2


def test_an_aws_drop_has_come_when_each_required_feed_has_the_months_file(aws_dir: Path) -> None:
    partner = aws_partner(local_uri(aws_dir))
    assert missing_from_drop(Storage(), partner, LOGICAL_DATE) == ()
    # Billing and usage feeds are optional; the agreement feed is not.
    shutil.rmtree(aws_dir / "DailyUsageFeed_V1")
    assert missing_from_drop(Storage(), partner, LOGICAL_DATE) == ()
    (aws_dir / "AgreementFeed_V1/year=2026/month=11/data.csv").unlink()
    assert missing_from_drop(Storage(), partner, LOGICAL_DATE) == (
        f"{local_uri(aws_dir)}/AgreementFeed_V1/year=2026/month=11/data.csv",
    )


def test_on_the_first_of_a_month_last_months_aws_file_counts(aws_dir: Path) -> None:
    partner = aws_partner(local_uri(aws_dir))
    first = dt.date(2026, 12, 1)  # no month=12 files yet: the November files show the drop
    assert missing_from_drop(Storage(), partner, first) == ()
    assert len(missing_from_drop(Storage(), partner, dt.date(2026, 12, 2))) == 3
