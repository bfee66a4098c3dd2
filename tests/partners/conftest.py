"""Partner fixture worlds copied into a temporary inbox (their configurations are in builders.py).

The AWS world (logical date 2026-11-20, months 2026-10 and 2026-11) holds a history update, a
correction, a soft delete, a row inserted after the logical date, a reseller agreement, a payer
account, an old `country` and a new `country_code` address file. The GCP drop holds three accounts,
their entitlements and a day of usage.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.partners.builders import FIXTURES


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
