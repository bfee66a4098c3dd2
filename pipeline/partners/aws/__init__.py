"""AWS Marketplace: Seller Data Feeds in (`feeds`), the revocation list out.

Invariant: `extract` here is `feeds.extract`, so `pipeline.partners.aws.extract(storage, partner, D)`
reads an AWS partner's export exactly as the dispatcher `pipeline.partners.extract` does.
"""

from pipeline.partners.aws.feeds import extract

__all__ = ["extract"]
