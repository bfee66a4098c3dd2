"""The datasets that flow between stages: their names and columns, in the order they are written.

Invariant: every frame a stage writes has exactly the columns listed here, in this order (use
`conform`), and its contract in data_contracts/<contract>.yaml describes the same columns with types,
keys and quality rules (a test keeps the two in step). Column meanings are documented in the
contracts; the notes here are for readers of the code.

Conventions: identifiers are strings (AWS account ids keep their leading zeros); dates are ISO
`YYYY-MM-DD` strings in the canonical tables; money is a decimal string with its currency beside it.
Lists and records a program reads (OWNERSHIP's chain, rules and evidence, LINKS' candidates) are nested
Arrow columns, `nested` says which and their types (declared as frozen dataclasses, `pipeline.nested`);
in pandas they are `ArrowDtype` columns, and `pipeline.formatting` writes them for people. The decision
documents (DECISIONS' rules and evidence) stay JSON text, written and read through `pipeline.jsonio`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

from pipeline import nested as nested_types
from pipeline.ownership.evidence_model import EVIDENCE_TYPE, IDS_TYPE


@dataclass(frozen=True)
class Dataset:
    name: str
    contract: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    nested: tuple[tuple[str, pa.DataType], ...] = ()  # the nested columns and their Arrow types

    @property
    def nested_types(self) -> dict[str, pa.DataType]:
        return dict(self.nested)

    @property
    def file_name(self) -> str:
        return f"{self.name}.parquet"


LINEAGE = ("source_uri", "source_line")

# One row per partner account (AWS: the 12-digit account; GCP: the procurement account).
TENANTS = Dataset(
    name="tenants",
    contract="canonical_tenants",
    columns=(
        "partner",
        "tenant_id",  # AWS aws_account_id (12 digits); GCP procurement account id
        "account_ref",  # AWS account GUID (`account_id` of the feeds); GCP `providers/{p}/accounts/{id}`
        "company_name",
        "country",  # ISO 3166-1 alpha-2 of the mailing / sign-up address
        "tax_country",  # ISO alpha-2 of the tax address where the partner gives one
        "company_country",  # the marketplace's own company-country field (GCP sign-up country, Azure customer)
        "tax_registration_number",
        "company_number",
        "lei",
        "email_domain",
        "payer_account_id",  # who pays: AWS payer account id (when not itself); GCP Cloud Billing account
        "status",  # ACTIVE, or the partner's state for it
        *LINEAGE,
    ),
    key=("partner", "tenant_id"),
)

# One row per agreement (AWS) or entitlement (GCP): what the tenant has bought, and through whom.
ENTITLEMENTS = Dataset(
    name="entitlements",
    contract="canonical_entitlements",
    columns=(
        "partner",
        "entitlement_id",  # AWS agreement_id; GCP entitlement resource name
        "tenant_id",  # the customer (AWS acceptor; GCP account)
        "reseller_tenant_id",  # AWS proposer when it is not us (channel partner); GCP: none
        "product_id",  # AWS product code / offer; GCP product
        "offer_id",
        "status",
        "start_date",
        "end_date",
        *LINEAGE,
    ),
    key=("partner", "entitlement_id"),
)

# One row per billing event or usage line.
BILLING = Dataset(
    name="billing",
    contract="canonical_billing",
    columns=(
        "partner",
        "line_id",
        "line_type",  # billing_event | usage
        "tenant_id",  # end user of the line
        "payer_account_id",  # AWS payer account id; GCP Cloud Billing account id
        "product_id",
        "entitlement_id",
        "event_date",  # usage date, or invoice date of a billing event
        "amount",  # decimal string
        "currency",
        "quantity",  # decimal string, usage lines only
        "unit",
        "action",  # AWS billing action (INVOICED, ...); empty for usage
        "transaction_type",
        *LINEAGE,
    ),
    key=("partner", "line_id"),
)

# Rows excluded from a dataset, with why; written beside every dataset that quarantines.
QUARANTINE = Dataset(
    name="quarantine",
    contract="quarantine",
    columns=("dataset", "rule", "severity", "message", "source_uri", "source_line", "record"),
    key=("dataset", "source_uri", "source_line", "rule"),
)

# --- Ownership (BODS, GLEIF, FollowTheMoney) ------------------------------------------------------

# One row per entity or person record (latest statement wins). Every ownership source (BODS, GLEIF,
# FollowTheMoney) is read into these frames; `statement_id` is the source's own record id (a BODS
# statementId, an LEI, an FtM entity id) and `source` its format, so evidence can name both.
ENTITIES = Dataset(
    name="entities",
    contract="entities",
    columns=(
        "entity_id",  # BODS recordId, LEI, FtM id; after merging, the id of the first source's record
        "statement_id",
        "record_type",  # entity | person
        "entity_type",  # BODS entityType.type, or personType for persons
        "name",
        "alternate_names",  # JSON list of the entity's other names (BODS alternateNames); [] for persons
        "jurisdiction",  # incorporation jurisdiction code (may be ISO 3166-2, e.g. CN-GD)
        "registered_country",
        "business_country",  # headquarters: the `business` address country
        "nationalities",  # JSON list of codes (persons)
        "residences",  # JSON list of codes (persons: residentialAddress / taxResidencies per policy)
        "tax_residencies",  # JSON list of codes (persons)
        "datasets",  # JSON list of the designation lists naming the record (FtM `datasets`; [] elsewhere)
        "source",  # the source's format (`pipeline.ownership.source_format.SourceFormat`): bods, gleif_lei, ftm, ...
        "source_uri",
    ),
    key=("entity_id",),
)

# One row per identifier of an entity.
IDENTIFIERS = Dataset(
    name="identifiers",
    contract="identifiers",
    columns=("entity_id", "scheme", "scheme_name", "identifier"),
    key=("entity_id", "scheme", "identifier"),
)

# One row per interest of a relationship record (latest statement wins; closed records dropped).
INTERESTS = Dataset(
    name="interests",
    contract="interests",
    columns=(
        "relationship_id",  # BODS recordId of the relationship
        "statement_id",
        "interest_index",
        "subject_id",
        "interested_party_id",  # empty when the party is unspecified
        "interest_type",
        "direct_or_indirect",  # direct | indirect | unknown
        "share_exact",  # fractions in [0, 1]; BODS percentages divided by 100
        "share_min",
        "share_max",
        "exclusive_min",
        "exclusive_max",
        "start_date",
        "end_date",
        "source",  # the source's format (`pipeline.ownership.source_format.SourceFormat`)
        "source_uri",
    ),
    key=("relationship_id", "interest_index"),
)

# One row per entity/person: the policy applied to the ownership graph on the as-of date.
OWNERSHIP = Dataset(
    name="ownership",
    contract="resolved_ownership",
    columns=(
        "entity_id",
        "name",
        "record_type",
        "is_root",
        "root_basis",  # why it is a restricted root (incorporation:CN, headquarters:CN, ...)
        "rho_low",
        "rho_low_open",  # the restricted share is strictly more than rho_low (an open bound, e.g. "more than 50%")
        "rho_high",
        "rho_high_open",  # the restricted share is strictly less than rho_high
        "decision",  # restricted | review | clear
        "ultimate_parent_id",
        "chain",  # ids from the entity up to its ultimate parent
        "cycle",  # the majority chain runs into a cycle
        "rules",  # rule ids
        "explanation",
        "evidence",  # roots, owners and paths with their stakes (pipeline.ownership.evidence_model)
        "policy_id",
        "policy_version",
    ),
    key=("entity_id",),
    nested=(("chain", IDS_TYPE), ("rules", IDS_TYPE), ("evidence", EVIDENCE_TYPE)),
)


@dataclass(frozen=True)
class Candidate:
    """An entity a tenant could be, as LINKS lists it (best first)."""

    confidence: float
    entity_id: str
    method: str
    name: str | None
    via: str | None
    matched_name: str | None  # the entity's name that matched (legal or alternate); empty for identifiers


CANDIDATE_TYPE = nested_types.arrow_type(Candidate)

# One row per tenant: the entity it is linked to, how, and how sure.
LINKS = Dataset(
    name="links",
    contract="tenant_links",
    columns=(
        "partner",
        "tenant_id",
        "entity_id",  # empty when unmatched
        "method",  # tax_id | lei | company_number | exact_name | fuzzy_name | none | unscored
        "confidence",
        "may_revoke",  # confidence at or above the configured minimum and no tie
        "candidates",  # the candidates considered (`Candidate`), best first
    ),
    key=("partner", "tenant_id"),
    nested=(("candidates", pa.large_list(CANDIDATE_TYPE)),),
)

# One row per tenant: the decision and everything needed to explain it.
DECISIONS = Dataset(
    name="decisions",
    contract="tenant_decisions",
    columns=(
        "partner",
        "tenant_id",
        "company_name",
        "entity_id",
        "link_method",
        "link_confidence",
        "ultimate_parent_id",
        "rho_low",
        "rho_high",
        "decision",  # revoke | review | allow
        "rules",  # JSON list of rule ids
        "explanation",
        "evidence",  # JSON
        "exemption_id",
        "judgement_id",  # the reviewer's judgement that decided (pipeline.review), empty when none
        "review_since",  # for a case in review (or revoked as overdue): the first night of this stay in review
        "policy_id",
        "policy_version",
    ),
    key=("partner", "tenant_id"),
)


def conform(df: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The frame with exactly the dataset's columns, in order; a missing column is a programming error."""
    missing = [c for c in dataset.columns if c not in df.columns]
    if missing:
        raise KeyError(f"{dataset.name}: frame lacks columns {missing}")
    columns = list(dataset.columns)
    # Already in order (the frames the stages build): no column selection, which copies every block.
    chosen = df if list(df.columns) == columns else df.loc[:, columns]
    return chosen.reset_index(drop=True)


def empty(dataset: Dataset) -> pd.DataFrame:
    types = dataset.nested_types
    return pd.DataFrame(
        {c: pd.Series([], dtype=pd.ArrowDtype(types[c]) if c in types else "str") for c in dataset.columns}
    )
