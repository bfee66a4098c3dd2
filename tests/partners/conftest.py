"""Partner fixture worlds copied into a temporary inbox, and their partner configurations.

The AWS world (logical date 2026-11-20, months 2026-10 and 2026-11) holds a history update, a
correction, a soft delete, a row inserted after the logical date, a reseller agreement, a payer
account, an old `country` and a new `country_code` address file. The GCP drop holds three accounts,
their entitlements and a day of usage.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from pipeline.config import AwsFeeds, PartnerConfig, PartnerKind

FIXTURES = Path(__file__).parent / "fixtures"
LOGICAL_DATE = dt.date(2026, 11, 20)
SELLER = "acc-seller"


def aws_partner(inbox: str, **feeds: object) -> PartnerConfig:
    return PartnerConfig(
        name="aws",
        kind=PartnerKind.AWS,
        inbox=inbox,
        outbox=inbox.rstrip("/") + "-out",
        seller_account_id=SELLER,
        aws_feeds=AwsFeeds(**{"months_back": 2, **feeds}),  # type: ignore[arg-type]
    )


def gcp_partner(inbox: str) -> PartnerConfig:
    return PartnerConfig(name="gcp", kind=PartnerKind.GCP, inbox=inbox, outbox=inbox.rstrip("/") + "-out")


@pytest.fixture
def aws_dir(tmp_path: Path) -> Path:
    target = tmp_path / "aws-inbox"
    shutil.copytree(FIXTURES / "aws", target)
    return target


@pytest.fixture
def gcp_dir(tmp_path: Path) -> Path:
    target = tmp_path / "gcp-inbox"
    shutil.copytree(FIXTURES / "gcp", target)
    return target
