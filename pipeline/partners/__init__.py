"""Partner exports in, canonical frames out, and, per partner, the revocation list back out.

Invariant: the partner's configured kind is the only thing that picks a reader or a list format; every
other module deals in canonical frames. Each partner kind is a package (`aws`, `gcp`, `azure`) holding its feed
reader (`feeds`) beside its published-list writer (`revocations`). Reading an export is two steps:
`fetch_drop` (the edge: the expected files, as bytes) and `read` (pure: bytes to canonical frames, with
each raw dataset checked by the `RawCheck` the caller gives). `read` never raises on bad data: its
`Extracted` says everything that was wrong, for the caller to validate, write and judge.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

import pandas as pd

from pipeline.config import PartnerConfig, PartnerKind
from pipeline.lists_vocabulary import EFFECTIVE_DATE
from pipeline.partners.base import Canonical, Extracted, PartnerDrop, RawCheck, canonical_order, unchecked
from pipeline.partners.files import InputFile
from pipeline.policy.definition import Policy
from pipeline.publish.lists import ListFormat, tenant_view
from pipeline.publish.manifest import read_manifest_folder
from pipeline.storage import Storage, parent

__all__ = [
    "Canonical",
    "Extracted",
    "InputFile",
    "PartnerDrop",
    "RawCheck",
    "canonical_order",
    "expected_files",
    "fetch_drop",
    "list_format",
    "list_in_force",
    "missing_from_drop",
    "read",
    "revocation_list",
    "unchecked",
]


def _feeds(partner: PartnerConfig) -> ModuleType:
    if partner.kind is PartnerKind.AWS:
        from pipeline.partners.aws import feeds as aws

        return aws
    if partner.kind is PartnerKind.GCP:
        from pipeline.partners.gcp import feeds as gcp

        return gcp
    if partner.kind is PartnerKind.AZURE:
        from pipeline.partners.azure import feeds as azure

        return azure
    raise ValueError(f"partner {partner.name}: no reader for kind {partner.kind!r}")


def expected_files(partner: PartnerConfig, logical_date: dt.date) -> list[str]:
    """The URIs of every file the partner's reader looks for on `logical_date`."""
    uris: list[str] = _feeds(partner).expected_files(partner, logical_date)
    return uris


def missing_from_drop(storage: Storage, partner: PartnerConfig, logical_date: dt.date) -> tuple[str, ...]:
    """The edge: the files whose absence says the partner's drop for `logical_date` has not come yet (one
    existence check each; empty when it has come). For each required file, the first place it may be."""
    groups: list[tuple[str, ...]] = _feeds(partner).arrival_files(partner, logical_date)
    return tuple(group[0] for group in groups if not any(storage.exists(uri) for uri in group))


def fetch_drop(storage: Storage, partner: PartnerConfig, logical_date: dt.date) -> PartnerDrop:
    """The edge: every file the partner's reader looks for that exists, read whole (one existence check
    per file, never a listing: a file pattern need not have a listable prefix). A file that does not
    exist is absent from the drop; the reader says what its absence means."""
    uris = expected_files(partner, logical_date)
    return PartnerDrop({uri: storage.read_bytes(uri) for uri in uris if storage.exists(uri)})


def read(drop: PartnerDrop, partner: PartnerConfig, logical_date: dt.date, *, check: RawCheck) -> Extracted:
    """One partner's export for the logical date as canonical tenants, entitlements and billing (pure).

    Never raises on bad data: `Extracted.results` and `.quarantine` say what was wrong.
    """
    extracted: Extracted = _feeds(partner).read(drop, partner, logical_date, check=check)
    return extracted


def _revocations(partner: PartnerConfig) -> ModuleType:
    if partner.kind is PartnerKind.AWS:
        from pipeline.partners.aws import revocations as aws

        return aws
    if partner.kind is PartnerKind.GCP:
        from pipeline.partners.gcp import revocations as gcp

        return gcp
    if partner.kind is PartnerKind.AZURE:
        from pipeline.partners.azure import revocations as azure

        return azure
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
