"""The restriction policy file (policies/*.yaml): a typed, validated model.

Invariant: a loaded `Policy` is internally consistent: every jurisdiction is a real ISO 3166-1 alpha-2
or ISO 3166-2 code, unknown keys anywhere are errors, and the enums below are the only values the engine
branches on. Loading never guesses: a bad file raises `PolicyError` naming the file and the field.

Jurisdictions come in one of two modes. `denylist` (the default): `restricted_jurisdictions` lists what is
restricted. `allowlist`: `supported_jurisdictions` holds the vendor's published list of supported
countries and regions, versioned, each version with the date it took effect; everything not on the
version in effect is restricted (`pipeline.jurisdictions.JurisdictionRule`). A run applies the policy
`in_effect(logical_date)`: the version in effect that day, whose version string then joins the policy's
(`2026-12-01+list-2026-11-15`), so every decision and manifest names the list it was made under.
"""

from __future__ import annotations

import datetime as dt
import enum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline import yamlio
from pipeline.errors import RunStopped, validation_problems
from pipeline.jurisdictions import JurisdictionRule, country_of, jurisdiction_code


class PolicyError(RunStopped, ValueError):
    """The policy file is unreadable or invalid; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Method(enum.StrEnum):
    CASCADE = "cascade"
    LOOK_THROUGH = "look_through"


class Comparator(enum.StrEnum):
    GT = ">"
    GE = ">="


class EntityBasis(enum.StrEnum):
    INCORPORATION = "incorporation"
    HEADQUARTERS = "headquarters"


class PersonBasis(enum.StrEnum):
    RESIDENCE = "residence"
    NATIONALITY = "nationality"
    TAX_RESIDENCY = "taxResidency"


class ControlAction(enum.StrEnum):
    REVIEW = "review"
    RESTRICT = "restrict"
    IGNORE = "ignore"


class ConsolidationAction(enum.StrEnum):
    """What an accounting consolidation parent (GLEIF Level 2) that is restricted does to what it
    consolidates: consolidation under IFRS 10 / US GAAP requires control."""

    RESTRICT = "restrict"
    REVIEW = "review"


class IndirectAction(enum.StrEnum):
    """What an account relationship with a restricted party does to a tenant."""

    REVOKE = "revoke"
    REVIEW = "review"
    IGNORE = "ignore"


class TenantBasis(enum.StrEnum):
    """Which of a tenant's own location fields are judged against the restricted jurisdictions (the
    TENANTS column each reads: `pipeline.policy.tenants`; which partner field fills it: docs/formats.md)."""

    TAX_ADDRESS = "tax_address"  # tax_country: the tax registration's address
    COMPANY_COUNTRY = "company_country"  # company_country: the marketplace's own company-country field
    ADDRESS = "address"  # country: a mailing or sign-up address


class EntityDecision(enum.StrEnum):
    RESTRICTED = "restricted"
    REVIEW = "review"
    CLEAR = "clear"


class OwnershipRule(enum.StrEnum):
    """Why an entity got its ownership decision (the `rules` of an OWNERSHIP row)."""

    ROOT_INCORPORATION = "root.incorporation"
    ROOT_HEADQUARTERS = "root.headquarters"
    ROOT_STATE = "root.state"  # a state or state body of a restricted jurisdiction
    ROOT_RESIDENCE = "root.residence"
    ROOT_NATIONALITY = "root.nationality"
    ROOT_TAX_RESIDENCY = "root.tax_residency"
    ROOT_DESIGNATED = "root.designated"  # named on a designation list the policy lists (roots.designated)
    # A reviewer's entity judgement "restricted" (pipeline/review): a root, so what it owns follows.
    ROOT_JUDGEMENT = "root.judgement"
    OWNERSHIP = "ownership.restricted_share"  # the least restricted share passes the threshold
    OWNERSHIP_POSSIBLE = "ownership.possible_restricted_share"  # only the greatest one does
    CONTROL = "control_without_shares"  # a control interest held by a restricted party
    CONSOLIDATION = "control.consolidation"  # consolidated (or a branch) of a restricted parent
    # A restricted (or possibly restricted) party declares an indirect interest that alone passes the
    # threshold, and the direct chains do not restrict the record: at least review.
    DECLARED_INDIRECT = "ownership.declared_indirect"
    # Under cascade, the look-through reading restricts the record and the cascade does not (cross-holdings):
    # the two readings of the same stakes disagree, so at least review.
    METHODS_DISAGREE = "ownership.methods_disagree"
    # Data the run could not use may hide a restriction: these only ever raise a decision (to review).
    UNREAD_STATEMENT = "data.unread_statement"  # a statement about the record was quarantined
    UNKNOWN_HOLDER = "data.unknown_holder"  # an active interest names a holder that is not in the data
    CLEAR = "clear"


class TenantDecision(enum.StrEnum):
    REVOKE = "revoke"
    REVIEW = "review"
    ALLOW = "allow"


# BODS 0.4 interest types that are control without shares (docs/design.md §4).
CONTROL_INTEREST_TYPES = frozenset(
    {
        "appointmentOfBoard",
        "otherInfluenceOrControl",
        "rightsGrantedByContract",
        "conditionalRightsGrantedByContract",
        "controlViaCompanyRulesOrArticles",
        "controlByLegalFramework",
    }
)


# Interest types of accounting control the GLEIF reader writes: a consolidation parent's interest in what
# it consolidates, a head office's in its international branch. The policy's `consolidation` decides them.
CONSOLIDATION_INTEREST_TYPES = frozenset({"consolidation", "branch"})


class JurisdictionMode(enum.StrEnum):
    DENYLIST = "denylist"  # restricted_jurisdictions are restricted
    ALLOWLIST = "allowlist"  # everything outside supported_jurisdictions is restricted


def _codes(value: object) -> object:
    if isinstance(value, list | tuple):
        for v in value:
            if not isinstance(v, str):
                # YAML 1.1 reads an unquoted NO (Norway) as false.
                raise ValueError(f'{v!r} is not a code: write codes as text, and quote "NO" (Norway)')
        return tuple(jurisdiction_code(v) for v in value)
    return value


class Ownership(_Model):
    method: Method = Method.CASCADE
    threshold: Annotated[float, Field(ge=0, le=1)] = 0.5
    comparator: Comparator = Comparator.GT
    interests: Annotated[tuple[str, ...], Field(min_length=1)] = ("shareholding", "votingRights")

    def exceeds(self, value: float) -> bool:
        return value > self.threshold if self.comparator is Comparator.GT else value >= self.threshold


class Roots(_Model):
    entity_bases: tuple[EntityBasis, ...] = (EntityBasis.INCORPORATION, EntityBasis.HEADQUARTERS)
    person_bases: tuple[PersonBasis, ...] = (PersonBasis.RESIDENCE,)
    # Designation lists, by their dataset names (FollowTheMoney / OpenSanctions `datasets`, e.g.
    # us_dod_chinese_milcorp): a record named on any of them is a restricted root whatever its
    # jurisdiction (`root.designated`), and what it owns or controls follows as for any root.
    designated: tuple[Annotated[str, Field(min_length=1)], ...] = ()


class Tenants(_Model):
    # A tenant's own location, judged whatever its entity link: a company whose tax registration or
    # company country is in a restricted jurisdiction is located there and is not served (revoke); a
    # mailing address there only suggests it (a foreign company's office), so alone it gives review.
    location_bases: tuple[TenantBasis, ...] = (
        TenantBasis.TAX_ADDRESS,
        TenantBasis.COMPANY_COUNTRY,
        TenantBasis.ADDRESS,
    )
    basis_actions: dict[TenantBasis, IndirectAction] = {
        TenantBasis.TAX_ADDRESS: IndirectAction.REVOKE,
        TenantBasis.COMPANY_COUNTRY: IndirectAction.REVOKE,
        TenantBasis.ADDRESS: IndirectAction.REVIEW,
    }
    # A tenant whose payer (AWS payer account, GCP billing account) is restricted.
    restricted_payer: IndirectAction = IndirectAction.REVOKE
    # A reseller (agreement proposer) acting for a restricted end customer; also a payer account paying
    # for a restricted end-user account (it buys for it just as a reseller does).
    reseller_for_restricted: IndirectAction = IndirectAction.REVIEW
    # A tenant buying through a reseller (agreement proposer) that is restricted: the customer may be
    # anyone, but its access runs through a restricted party, so a person decides by default.
    restricted_reseller: IndirectAction = IndirectAction.REVIEW
    # A tenant that shares a payer which is not itself a known tenant (a GCP Cloud Billing account, an
    # AWS payer outside the export) with a restricted tenant: the payer is probably, not provably, the
    # restricted party.
    shared_billing_with_restricted: IndirectAction = IndirectAction.REVIEW

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: object) -> object:
        if isinstance(data, dict) and "unmatched_bases" in data:
            raise ValueError(
                "unmatched_bases is now location_bases: a tenant's own location is judged whatever its link"
            )
        return data


class AfterMaxNights(enum.StrEnum):
    """What happens to a case still open after `review.max_nights`."""

    REVOKE = "revoke"  # access ends (rule `review_overdue`): review is not a way to keep access forever
    KEEP = "keep"  # it stays in review, escalated (flagged in the report and the run summary)


class Review(_Model):
    # A case (a tenant decided `review`) open for more nights than this is escalated.
    max_nights: Annotated[int, Field(ge=1, le=365)] = 7
    after_max_nights: AfterMaxNights = AfterMaxNights.REVOKE


class Enforcement(_Model):
    # A new revocation takes effect this many days after the logical date.
    notice_period_days: Annotated[int, Field(ge=0, le=365)] = 0


class SupportedList(_Model):
    """One version of the vendor's list of supported countries and regions."""

    version: Annotated[str, Field(min_length=1)]
    effective: dt.date  # the day this version took effect
    jurisdictions: Annotated[tuple[str, ...], Field(min_length=1)]  # ISO 3166-1 alpha-2 or ISO 3166-2
    # Subdivisions of a listed country that are not supported (e.g. UA-43 while UA is listed).
    excluded_subdivisions: tuple[str, ...] = ()

    @field_validator("jurisdictions", "excluded_subdivisions", mode="before")
    @classmethod
    def _list_codes(cls, value: object) -> object:
        return _codes(value)

    @model_validator(mode="after")
    def _excluded_within_listed(self) -> SupportedList:
        for code in self.excluded_subdivisions:
            if "-" not in code or country_of(code) not in self.jurisdictions:
                raise ValueError(f"excluded_subdivisions: {code} is not a subdivision of a listed country")
        return self

    @property
    def rule(self) -> JurisdictionRule:
        return JurisdictionRule(True, frozenset(self.jurisdictions), frozenset(self.excluded_subdivisions))


class Policy(_Model):
    id: Annotated[str, Field(min_length=1)]
    version: Annotated[str, Field(min_length=1)]
    mode: JurisdictionMode = JurisdictionMode.DENYLIST
    restricted_jurisdictions: tuple[str, ...] = ()  # denylist: ISO 3166-1 alpha-2 or ISO 3166-2
    supported_jurisdictions: tuple[SupportedList, ...] = ()  # allowlist: its versions, in any order
    ownership: Ownership = Ownership()
    roots: Roots = Roots()
    control_without_shares: ControlAction = ControlAction.REVIEW
    consolidation: ConsolidationAction = ConsolidationAction.RESTRICT
    tenants: Tenants = Tenants()
    enforcement: Enforcement = Enforcement()
    review: Review = Review()

    @field_validator("restricted_jurisdictions", mode="before")
    @classmethod
    def _restricted_codes(cls, value: object) -> object:
        return _codes(value)

    @model_validator(mode="after")
    def _one_mode(self) -> Policy:
        if self.mode is JurisdictionMode.DENYLIST:
            if not self.restricted_jurisdictions:
                raise ValueError("restricted_jurisdictions: mode denylist needs at least one restricted jurisdiction")
            if self.supported_jurisdictions:
                raise ValueError("supported_jurisdictions: only with mode allowlist")
            return self
        if not self.supported_jurisdictions:
            raise ValueError("supported_jurisdictions: mode allowlist needs at least one version of the list")
        if self.restricted_jurisdictions:
            raise ValueError("restricted_jurisdictions: only with mode denylist (an allowlist restricts what it omits)")
        for what, values in (
            ("version", [v.version for v in self.supported_jurisdictions]),
            ("effective date", [v.effective.isoformat() for v in self.supported_jurisdictions]),
        ):
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"supported_jurisdictions: the {what} {', '.join(repeated)} appears more than once")
        return self

    def supported_list(self, on: dt.date) -> SupportedList | None:
        """The allowlist version in effect on `on` (None in denylist mode, or before the first version)."""
        started = [v for v in self.supported_jurisdictions if v.effective <= on]
        return max(started, key=lambda v: v.effective) if started else None

    def in_effect(self, on: dt.date) -> Policy:
        """The policy as it applies on `on` (see the module docstring); a denylist policy is itself."""
        if self.mode is JurisdictionMode.DENYLIST:
            return self
        current = self.supported_list(on)
        if current is None:
            first = min(v.effective for v in self.supported_jurisdictions)
            raise PolicyError(
                f"policy {self.id} {self.version}: no supported_jurisdictions version is in effect on "
                f"{on.isoformat()} (the first takes effect on {first.isoformat()})"
            )
        suffix = f"+list-{current.version}"
        if self.supported_jurisdictions == (current,) and self.version.endswith(suffix):
            return self
        return self.model_copy(update={"supported_jurisdictions": (current,), "version": self.version + suffix})

    @property
    def jurisdictions(self) -> JurisdictionRule:
        """What this policy restricts. An allowlist policy must be `in_effect` on a date first."""
        if self.mode is JurisdictionMode.DENYLIST:
            return JurisdictionRule(False, frozenset(self.restricted_jurisdictions))
        if len(self.supported_jurisdictions) != 1:
            raise ValueError(f"policy {self.id}: an allowlist policy applies only in_effect(date), one list version")
        return self.supported_jurisdictions[0].rule


def load_policy_text(text: str, source: str) -> Policy:
    try:
        raw = yamlio.load(text, source)
    except yamlio.YamlRefused as exc:
        raise PolicyError(str(exc)) from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: a policy must be a mapping at the top level")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(f"{source}: invalid policy: {validation_problems(exc)}") from exc


def load_policy(path: str | Path) -> Policy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read the policy: {exc.strerror}") from exc
    return load_policy_text(text, str(p))
