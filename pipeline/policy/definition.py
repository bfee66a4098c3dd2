"""The restriction policy file (policies/*.yaml): a typed, validated model.

Invariant: a loaded `Policy` is internally consistent: every jurisdiction is a real ISO 3166-1 alpha-2
code, unknown keys anywhere are errors, and the enums below are the only values the engine branches
on. Loading never guesses: a bad file raises `PolicyError` naming the file and the field.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import RunStopped


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


class IndirectAction(enum.StrEnum):
    """What an account relationship with a restricted party does to a tenant."""

    REVOKE = "revoke"
    REVIEW = "review"
    IGNORE = "ignore"


class TenantBasis(enum.StrEnum):
    """Which of an unmatched tenant's own addresses are judged against the restricted jurisdictions."""

    TAX_ADDRESS = "tax_address"
    ADDRESS = "address"


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
    OWNERSHIP = "ownership.restricted_share"  # the least restricted share passes the threshold
    OWNERSHIP_POSSIBLE = "ownership.possible_restricted_share"  # only the greatest one does
    CONTROL = "control_without_shares"  # a control interest held by a restricted party
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


def _country_code(code: str) -> str:
    code = code.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


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


class Tenants(_Model):
    unmatched_bases: tuple[TenantBasis, ...] = (TenantBasis.TAX_ADDRESS, TenantBasis.ADDRESS)
    # What a tenant's own address in a restricted jurisdiction does when no entity link can decide it.
    # A tax registration address there makes incorporation or headquarters there very likely; a
    # mailing/sign-up address only suggests it (a foreign company's office), hence review by default.
    basis_actions: dict[TenantBasis, IndirectAction] = {
        TenantBasis.TAX_ADDRESS: IndirectAction.REVOKE,
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


class Enforcement(_Model):
    # A new revocation takes effect this many days after the logical date.
    notice_period_days: Annotated[int, Field(ge=0, le=365)] = 0


class Policy(_Model):
    id: Annotated[str, Field(min_length=1)]
    version: Annotated[str, Field(min_length=1)]
    restricted_jurisdictions: Annotated[tuple[str, ...], Field(min_length=1)]
    ownership: Ownership = Ownership()
    roots: Roots = Roots()
    control_without_shares: ControlAction = ControlAction.REVIEW
    tenants: Tenants = Tenants()
    enforcement: Enforcement = Enforcement()

    @field_validator("restricted_jurisdictions", mode="before")
    @classmethod
    def _codes(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(_country_code(str(v)) for v in value)
        return value


def load_policy_text(text: str, source: str) -> Policy:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: a policy must be a mapping at the top level")
    try:
        return Policy.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        raise PolicyError(f"{source}: invalid policy: {problems}") from exc


def load_policy(path: str | Path) -> Policy:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read the policy: {exc.strerror}") from exc
    return load_policy_text(text, str(p))
