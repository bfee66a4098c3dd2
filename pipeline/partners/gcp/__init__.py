"""Google Cloud Marketplace: the GCP drop in (`feeds`), the revocation list out (`revocations`).

Invariant: both modules are pure; `pipeline.partners` picks them by the partner's kind and does the I/O.
"""
