"""The records a demo world is made of, before they are written in any partner's or register's format.

Invariant: these are plain frozen values. A `Relation` lists its statement versions in date order and
only its last version counts on the logical date (the rule the ownership reader applies to BODS); the
truth a `ScenarioTenant` carries (`entity`, `expected`) is what the policy in `policy.yaml` must decide.
An `Org` is in the BODS register unless `in_register` is False (a company known only to GLEIF or
OpenSanctions); what the other sources say is in the catalogue's `gleif`, `consolidations`, `designations`
and `sanctions_ownership`, by org key.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from demo_world.identifiers import Ident
from demo_world.names import NameVariant
from demo_world.population import LinkKey
from pipeline.policy.definition import TenantDecision


class Partner(enum.StrEnum):
    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"


@dataclass(frozen=True)
class Org:
    """A registered entity (or a state body). `country` is the registered address; `business_country`
    the headquarters when it differs; `jurisdiction` the incorporation code (ISO 3166-1 or 3166-2)."""

    key: str
    name: str
    country: str
    jurisdiction: str
    identifiers: tuple[Ident, ...] = ()
    business_country: str | None = None
    entity_type: str = "registeredEntity"
    entity_subtype: str | None = None
    alternate_names: tuple[str, ...] = ()
    founded: dt.date | None = None
    city: str = ""
    in_register: bool = True  # False: known only through GLEIF or OpenSanctions (never a BODS record)


@dataclass(frozen=True)
class Person:
    key: str
    given: str
    family: str
    residence: str
    nationalities: tuple[str, ...]
    birth: str = "1970-01"
    tax_residencies: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass(frozen=True)
class Share:
    """BODS percentages (0-100). `exact`, or a band whose bounds may be exclusive."""

    exact: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None

    def to_bods(self) -> dict[str, float]:
        pairs = (
            ("exact", self.exact),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("exclusiveMinimum", self.exclusive_minimum),
            ("exclusiveMaximum", self.exclusive_maximum),
        )
        return {k: v for k, v in pairs if v is not None}


@dataclass(frozen=True)
class Interest:
    type: str
    share: Share | None = None
    direct_or_indirect: str = "direct"
    start: dt.date | None = None
    end: dt.date | None = None
    details: str | None = None


@dataclass(frozen=True)
class Version:
    """One statement about a relationship: what was declared on `on`, with its record status."""

    on: dt.date
    interests: tuple[Interest, ...]
    status: str = "new"  # new | updated | closed


@dataclass(frozen=True)
class Relation:
    key: str
    subject: str  # Org key
    party: str  # Org or Person key
    versions: tuple[Version, ...]


@dataclass(frozen=True)
class AccountHistory:
    """AWS account-feed history for one tenant (all dates are days before the logical date)."""

    # The account moved: its first row pointed at an address in this country; a later row (new
    # valid_from) points at the current address.
    moved_from: str | None = None
    moved_days_ago: int = 0
    # The first row carried this tax number; a correction (same valid_from, newer update_date) fixed it.
    wrong_tax_number: str | None = None
    corrected_days_ago: int = 0


@dataclass(frozen=True)
class ScenarioTenant:
    key: str
    partner: Partner
    scenario: str
    expected: TenantDecision
    name: str
    country: str
    entity: str | None  # Org key of the true entity; None when the company is not registered
    name_variant: NameVariant
    link_key: LinkKey
    description: str
    tax: str = ""
    company_number: str = ""
    lei: str = ""
    tax_country: str | None = None  # the AWS tax address country when it differs from `country`
    payer: str | None = None  # AWS: key of the tenant whose account pays for this one
    reseller: str | None = None  # AWS, Azure: key of the reseller tenant that proposed / bought for this one
    billing_group: str | None = None  # GCP: tenants with the same label share a Cloud Billing account
    history: AccountHistory = field(default_factory=AccountHistory)
    exemption: str | None = None  # id of the exemption that applies
    leading_zeros: bool = False  # AWS: give the account id leading zeros
    gcp_state: str = "ACCOUNT_ACTIVE"
    is_reseller: bool = False
    # Azure: a tenant bought for by a reseller also holds a subscription it bought itself.
    also_direct: bool = False
    # Azure: a reseller known only as the purchaser of its customers' subscriptions (none of its own).
    purchaser_only: bool = False
    # AWS: the address leaves company_name empty; the account's tax_legal_name names the company.
    name_in_tax_legal_name_only: bool = False


@dataclass(frozen=True)
class Exemption:
    id: str
    reason: str
    approved_by: str
    approved_on: dt.date
    expires: dt.date
    partner: str | None = None
    tenant: str | None = None  # ScenarioTenant key
    entity: str | None = None  # Org key


@dataclass(frozen=True)
class DeletedAccount:
    """An AWS account row that was soft-deleted (delete_date set): not a tenant on the logical date."""

    key: str
    name: str
    country: str
    days_ago: int


@dataclass(frozen=True)
class GleifRecord:
    """A GLEIF Level 1 record of an org (which must have an LEI); `jurisdiction` is the legal
    jurisdiction GLEIF states when it disagrees with the register's."""

    org: str
    jurisdiction: str | None = None


@dataclass(frozen=True)
class Consolidation:
    """GLEIF Level 2: `child` IS_DIRECTLY_CONSOLIDATED_BY `parent` (both with GLEIF records)."""

    child: str
    parent: str
    since: dt.date


@dataclass(frozen=True)
class SanctionsOwnership:
    """An OpenSanctions (FollowTheMoney) `Ownership`: `owner` holds `percent` of `asset` (both org keys)."""

    owner: str
    asset: str
    percent: float
    since: dt.date


@dataclass
class Catalogue:
    """Everything the hand-written scenarios declare, in declaration order."""

    orgs: dict[str, Org] = field(default_factory=dict)
    persons: dict[str, Person] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    tenants: list[ScenarioTenant] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    deleted: list[DeletedAccount] = field(default_factory=list)
    gleif: list[GleifRecord] = field(default_factory=list)
    consolidations: list[Consolidation] = field(default_factory=list)
    # org key -> the OpenSanctions datasets naming it (an FtM record is written for every org listed here,
    # with no dataset for one that is only the asset of an ownership).
    designations: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sanctions_ownership: list[SanctionsOwnership] = field(default_factory=list)
