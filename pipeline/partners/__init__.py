"""Partner exports in, canonical frames out, and, per partner, the revocation list back out.

Invariant: the partner's configured kind is the only thing that picks a reader or a list format; every
other module deals in canonical frames. Each partner kind is a package (`aws`, `gcp`) holding its feed
reader (`feeds`) beside its published-list writer (`revocations`). `extract` is the one entry point for
reading a partner's export; it never raises on bad data: its `PartnerExtract.validation` says
everything that was wrong.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pandas as pd

from pipeline.config import PartnerConfig, PartnerKind, QualityConfig
from pipeline.partners.base import PartnerExtract
from pipeline.partners.files import InputFile
from pipeline.policy.definition import Policy
from pipeline.publish.lists import EFFECTIVE_DATE, ListFormat, tenant_view
from pipeline.publish.manifest import read_manifest_folder
from pipeline.storage import Storage, parent

__all__ = ["InputFile", "PartnerExtract", "extract", "list_format", "list_in_force", "revocation_list"]


def extract(
    storage: Storage, partner: PartnerConfig, logical_date: dt.date, *, quality: QualityConfig | None = None
) -> PartnerExtract:
    """Read one partner's export for the logical date into canonical tenants, entitlements and billing.

    Never raises on bad data: check `result.validation` (write it out, then `raise_for_errors()`).
    """
    if partner.kind is PartnerKind.AWS:
        from pipeline.partners.aws import feeds as aws_feeds

        return aws_feeds.extract(storage, partner, logical_date, quality=quality)
    if partner.kind is PartnerKind.GCP:
        from pipeline.partners.gcp import feeds as gcp_feeds

        return gcp_feeds.extract(storage, partner, logical_date, quality=quality)
    raise ValueError(f"partner {partner.name}: no reader for kind {partner.kind!r}")


def _revocations(partner: PartnerConfig) -> ModuleType:
    if partner.kind is PartnerKind.AWS:
        from pipeline.partners.aws import revocations as aws

        return aws
    if partner.kind is PartnerKind.GCP:
        from pipeline.partners.gcp import revocations as gcp

        return gcp
    raise ValueError(f"partner {partner.name}: no list format for kind {partner.kind!r}")


def list_format(partner: PartnerConfig) -> ListFormat:
    fmt: ListFormat = _revocations(partner).LIST_FORMAT
    return fmt


def revocation_list(
    partner: PartnerConfig,
    decisions: pd.DataFrame,
    entitlements: pd.DataFrame,
    tenants: pd.DataFrame,
    *,
    policy: Policy,
    logical_date: dt.date,
    previous: pd.DataFrame | None,
) -> pd.DataFrame:
    """The partner's list (its own format) for its decisions; `previous` is its last published snapshot."""
    rows: pd.DataFrame = _revocations(partner).revocation_list(
        decisions, entitlements, tenants, policy, logical_date, previous=previous
    )
    return rows


def list_in_force(partner: PartnerConfig, storage: Storage, manifest_uri: str) -> pd.DataFrame:
    """The published list a manifest vouches for, as (partner, tenant_id, effective_date) rows."""
    published = read_manifest_folder(storage, parent(manifest_uri))
    if published is None:
        raise FileNotFoundError(f"{manifest_uri}: no published list")
    view = tenant_view(published.snapshot, list_format(partner))
    return view.loc[:, ["tenant_id", EFFECTIVE_DATE]].assign(partner=partner.name)
