"""Partner exports in, canonical frames out (and, per partner, the revocation list back out).

Invariant: `extract` is the one entry point for reading a partner's export; it picks the reader by
the partner's configured kind and returns a `PartnerExtract` whose `validation` says everything that
was wrong. Each partner kind is a package (`aws`, `gcp`) holding its feed reader (`feeds`) beside its
published-list writer.
"""

from __future__ import annotations

import datetime as dt

from pipeline.config import PartnerConfig, PartnerKind, QualityConfig
from pipeline.partners.base import PartnerExtract
from pipeline.partners.files import InputFile
from pipeline.storage import Storage

__all__ = ["InputFile", "PartnerExtract", "extract"]


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
