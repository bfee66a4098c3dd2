"""Google Cloud Marketplace: the GCP drop in (`feeds`), the revocation list out.

Invariant: `extract` here is `feeds.extract`, so `pipeline.partners.gcp.extract(storage, partner, D)`
reads a GCP partner's drop exactly as the dispatcher `pipeline.partners.extract` does.
"""

from pipeline.partners.gcp.feeds import extract

__all__ = ["extract"]
