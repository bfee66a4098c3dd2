"""Tenant -> legal entity linking: identifiers, then normalised names, then fuzzy names within a country.

Invariant: the package's one entry point, `link`, is a pure function of its frames and configuration.
"""

from pipeline.matching.link import LinkMethod, link

__all__ = ["LinkMethod", "link"]
