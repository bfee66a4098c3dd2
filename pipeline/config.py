"""Typed run configuration: where the inputs are, where the outputs go, and the operational limits.

Invariant: a loaded `RunConfig` holds only absolute URIs (file://, s3://, gs://, az://, abfs://). The
configuration itself is a local path or a URI; relative paths in the YAML are resolved against the folder
of the config file itself (a folder URI for a config in a bucket), so a world can be copied elsewhere and
still run. Credentials never appear here: the DAG names Airflow connection ids, the CLI uses the
standard environment/default credential chains.

What the policy says (jurisdictions, thresholds, methods) lives in the policy file, not here; this file
says how to run, the policy says what to decide.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline import yamlio
from pipeline.errors import RunStopped, validation_problems
from pipeline.ownership.source_format import SourceFormat, SourceSpec
from pipeline.storage import join, local_uri, parent, uri_from_path_or_uri

if TYPE_CHECKING:
    from pipeline.storage import Storage


class ConfigError(RunStopped, ValueError):
    """The run configuration is unreadable or invalid; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerKind(enum.StrEnum):
    AWS = "aws_marketplace"
    GCP = "gcp_marketplace"
    AZURE = "azure_marketplace"


class AwsFeeds(_Model):
    """Folder names of the Seller Data Feeds under the inbox (AWS does not document their exact casing)."""

    account: str = "AccountFeed_V1"
    address: str = "AddressFeed_V1"
    agreement: str = "AgreementFeed_V1"
    billing_event: str = "BillingEventFeed_V1"
    daily_usage: str = "DailyUsageFeed_V1"
    # `{feed}`, `{year}` and `{month}` are filled in; one file per feed per month, appended daily.
    file_pattern: str = "{feed}/year={year}/month={month}/data.csv"
    # How many monthly files back from the logical date are read (history rows live in older months).
    months_back: Annotated[int, Field(ge=0, le=120)] = 24


class GcpFiles(_Model):
    """Object paths of the GCP drop under the partner's inbox; `{date}` is the logical date (YYYY-MM-DD)."""

    accounts: str = "accounts/dt={date}/accounts.jsonl"
    entitlements: str = "entitlements/dt={date}/entitlements.jsonl"
    usage: str = "usage/dt={date}/usage.csv"


class AzureFiles(_Model):
    """Object paths of the Azure Marketplace drop under the partner's inbox; `{date}` is the logical date."""

    subscriptions: str = "subscriptions/dt={date}/subscriptions.jsonl"  # SaaS fulfillment API v2 list
    customers: str = "customers/dt={date}/customers.csv"  # Partner Center analytics, ISVCustomer
    orders: str = "orders/dt={date}/orders.csv"  # ISVOrder
    usage: str = "usage/dt={date}/usage.csv"  # ISVUsage, metered


class PartnerConfig(_Model):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
    kind: PartnerKind
    inbox: str
    outbox: str
    # AWS: our own seller account GUID; agreements proposed by any other account come through a reseller.
    seller_account_id: str | None = None
    aws_feeds: AwsFeeds = AwsFeeds()
    gcp_files: GcpFiles = GcpFiles()
    azure_files: AzureFiles = AzureFiles()
    # The DAG waits this long after the run starts for a late drop (checking every few minutes, without
    # holding a worker), then extraction stops the run as for a missing export.
    late_drop_hours: Annotated[float, Field(ge=0, le=6)] = 4.0


class OwnershipSource(_Model):
    uri: str
    format: SourceFormat = SourceFormat.BODS
    # A source whose latest record is older than this many days (before the logical date) stops the run;
    # None: the `ownership.max_age_days` of all sources. A register published monthly needs more than a
    # daily golden copy.
    max_age_days: Annotated[int, Field(ge=0)] | None = None

    @property
    def spec(self) -> SourceSpec:
        return SourceSpec(self.uri, self.format)


class OwnershipConfig(_Model):
    # Ownership sources, merged in this order (the first source's ids and facts lead): a URI (a BODS
    # file: JSON array or JSON Lines, optionally gzipped), or {uri, format} with a format of
    # `pipeline.ownership.source_format.SourceFormat` (bods, gleif_lei, gleif_rr, gleif_repex, ftm).
    sources: Annotated[tuple[OwnershipSource, ...], Field(min_length=1)]
    # A source whose latest record is older than this many days stops the run (None: age not checked).
    max_age_days: Annotated[int, Field(ge=0)] | None = None
    # A source whose entities, relationships or restricted roots fell by more than this share against the
    # last complete run stops the run: an empty or truncated download must not read as "fewer owners".
    max_shrink: Annotated[float, Field(gt=0, le=1)] = 0.3

    @field_validator("sources", mode="before")
    @classmethod
    def _uris_are_bods(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple({"uri": v} if isinstance(v, str) else v for v in value)
        return value

    @property
    def uris(self) -> tuple[str, ...]:
        return tuple(s.uri for s in self.sources)

    def max_age(self, source: OwnershipSource) -> int | None:
        return source.max_age_days if source.max_age_days is not None else self.max_age_days


class MatchingConfig(_Model):
    # Below this confidence a tenant-to-entity link can lead to review, never to revoke.
    min_revoke_confidence: Annotated[float, Field(ge=0, le=1)] = 0.9
    # Fuzzy name similarity (0-100) under which no fuzzy link is made at all.
    fuzzy_min_score: Annotated[float, Field(ge=0, le=100)] = 85.0
    # Two candidates closer than this in confidence are a tie and go to review.
    tie_margin: Annotated[float, Field(ge=0, le=1)] = 0.03
    # Confidence of each kind of link. Registry numbers are issued to one company; a name is not.
    tax_id_confidence: Annotated[float, Field(ge=0, le=1)] = 0.99
    lei_confidence: Annotated[float, Field(ge=0, le=1)] = 0.99
    company_number_confidence: Annotated[float, Field(ge=0, le=1)] = 0.97
    # A tenant's number that fails its check digits (USCC, LEI) yet equals a registered one: a review lead
    # when no name matches, never enough to revoke.
    failed_check_confidence: Annotated[float, Field(ge=0, le=1)] = 0.85
    # A number equal to an identifier whose scheme we cannot place (kind unknown): not enough to revoke.
    unknown_scheme_confidence: Annotated[float, Field(ge=0, le=1)] = 0.85
    # The same normalised legal name in the same country.
    exact_name_confidence: Annotated[float, Field(ge=0, le=1)] = 0.95
    # The names without their generic ending ("technology", ...) must still be this similar (0-100).
    fuzzy_min_head_score: Annotated[float, Field(ge=0, le=100)] = 75.0
    # A fuzzy link's confidence is its similarity / 100, capped here (below an exact name).
    fuzzy_max_confidence: Annotated[float, Field(ge=0, le=1)] = 0.94
    # A fuzzy link whose tenant name is made only of words that other entities' names use differs by a
    # whole word, not a typo: more likely another company; its confidence is capped here (review only).
    known_words_max_confidence: Annotated[float, Field(ge=0, le=1)] = 0.85
    # Fuzzy blocking: key-piece lengths tried in turn, largest block scored, shortest key scored.
    block_lengths: Annotated[tuple[int, ...], Field(min_length=1)] = (4, 5, 6, 8, 10, 12, 16)
    block_max_size: Annotated[int, Field(ge=1)] = 50
    fuzzy_min_key_length: Annotated[int, Field(ge=1)] = 4
    # Generic last words (cut before blocking on the end of a name): the most common ones, at most this
    # many, each ending at least this share of the names; a head shorter than head_min_length is not cut.
    generic_words: Annotated[int, Field(ge=0)] = 200
    generic_word_share: Annotated[float, Field(ge=0, le=1)] = 0.0005
    head_min_length: Annotated[int, Field(ge=1)] = 5
    # A last word at least this similar (0-100) to a generic ending is that ending misspelt, and is cut too.
    ending_typo_score: Annotated[float, Field(gt=0, le=100)] = 80.0
    # How many candidates a link lists (best first).
    max_candidates: Annotated[int, Field(ge=1)] = 5
    # rapidfuzz worker threads for scoring (-1: all cores).
    workers: int = -1


class GateConfig(_Model):
    """Limits on the change against the last published list; beyond them a human approves the run.

    Lifts are judged against the active tenants and against the previous list itself: revocations are a
    few percent of the tenants, so a damaged input that empties the list stays far below any share of
    the tenants, never below a share of the list (docs/formats.md, "Safety gate")."""

    max_added: Annotated[int, Field(ge=0)] = 100
    max_lifted: Annotated[int, Field(ge=0)] = 100
    max_added_share: Annotated[float, Field(ge=0, le=1)] = 0.10
    max_lifted_share: Annotated[float, Field(ge=0, le=1)] = 0.10
    # Lifts as a share of the rows of the last published list, judged once at least
    # `list_share_min_lifted` rows are lifted (one lift from a list of three is a third of it, and ordinary).
    max_lifted_share_of_list: Annotated[float, Field(ge=0, le=1)] = 0.25
    list_share_min_lifted: Annotated[int, Field(ge=1)] = 3


class ApprovalConfig(_Model):
    """The DAG's approval step for a change beyond the gate's limits (Airflow human in the loop)."""

    # Without an answer within this many hours the run stops and publishes nothing. The DAG's run time
    # budget (24 h) holds the longest wait for a late drop (6 h), the stages (6 h) and this wait.
    timeout_hours: Annotated[float, Field(gt=0, le=12)] = 12.0


class QualityConfig(_Model):
    # A dataset whose quarantined share of rows exceeds this stops the run.
    max_quarantine_share: Annotated[float, Field(ge=0, le=1)] = 0.05
    # A tenant count this many times the previous run's (or a fraction of it) stops the run.
    max_tenant_growth: Annotated[float, Field(gt=1)] = 3.0


class Engine(enum.StrEnum):
    """Where the two heavy stages (ownership resolution, matching) run: in this process, or on Spark."""

    LOCAL = "local"
    SPARK = "spark"


class SparkConfig(_Model):
    # The Spark master the heavy stages run on: local[N] on one machine, spark://, yarn or k8s:// on a
    # cluster. Only read when `engine: spark`.
    master: Annotated[str, Field(min_length=1)] = "local[2]"
    # Spark settings passed as they are (spark.executor.memory, spark.sql.shuffle.partitions, ...).
    conf: dict[str, str] = {}


class RunConfig(_Model):
    config_uri: str
    workspace: str
    reports: str
    audit: str
    policy: str
    exemptions: str | None = None
    # The reviewers' judgements (pipeline/review/store.py): append-only, kept across nights. Without it a
    # run applies no judgement and `recon review decide|link|withdraw` has nowhere to record one.
    judgements: str | None = None
    ownership: OwnershipConfig
    partners: Annotated[tuple[PartnerConfig, ...], Field(min_length=1)]
    matching: MatchingConfig = MatchingConfig()
    gate: GateConfig = GateConfig()
    approval: ApprovalConfig = ApprovalConfig()
    quality: QualityConfig = QualityConfig()
    # `spark` runs resolve_ownership and match_tenants as Spark jobs (`pipeline/spark/ownership.py`), with the same
    # decisions; pyspark is the optional `spark` extra.
    engine: Engine = Engine.LOCAL
    spark: SparkConfig = SparkConfig()
    # Airflow connection id per URI prefix (e.g. "s3://acme-aws-feeds/": aws_marketplace). Only the DAG
    # uses it; the CLI takes credentials from the standard environment/default chains.
    connections: dict[str, str] = {}

    @field_validator("partners")
    @classmethod
    def _unique_partner_names(cls, partners: tuple[PartnerConfig, ...]) -> tuple[PartnerConfig, ...]:
        names = [p.name for p in partners]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"partner names must be unique, repeated: {', '.join(duplicates)}")
        return partners

    def partner(self, name: str) -> PartnerConfig:
        for p in self.partners:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.partners)
        raise ConfigError(f"{self.config_uri}: no partner named {name!r} (configured: {known})")


_URI_FIELDS_TOP = ("workspace", "reports", "audit", "policy", "exemptions", "judgements")
_URI_FIELDS_PARTNER = ("inbox", "outbox")


def _is_remote(ref: str) -> bool:
    return "://" in ref and not ref.startswith("file://")


def _read_config(ref: str | Path, storage: Storage | None) -> tuple[str, str, Callable[[str], str]]:
    """(the configuration's URI, its text, how a path in it resolves) for a local path or a URI."""
    text_ref = str(ref)
    if _is_remote(text_ref):
        from pipeline.storage import Storage, StorageError

        folder = parent(text_ref)
        try:
            text = (storage or Storage()).read_text(text_ref)
        except (StorageError, OSError) as exc:
            raise ConfigError(f"{text_ref}: cannot read the run configuration: {exc}") from exc

        def remote(value: str) -> str:
            if "://" in value:
                return uri_from_path_or_uri(value, Path("/"))
            if value.startswith(("/", "~")):
                raise ConfigError(f"{text_ref}: {value!r} is a local path in a configuration read from a bucket")
            return join(folder, value)

        return text_ref, text, remote
    config_path = Path(text_ref.removeprefix("file://")).expanduser().resolve()
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{config_path}: cannot read the run configuration: {exc.strerror}") from exc
    return local_uri(config_path), text, lambda value: uri_from_path_or_uri(value, config_path.parent)


def load_config(ref: str | Path, storage: Storage | None = None) -> RunConfig:
    """Read a YAML run configuration from a local path or a URI (read with `storage`; by default the
    standard credential chains), resolving relative paths against its folder."""
    config_uri, text, resolve = _read_config(ref, storage)
    where = config_uri.removeprefix("file://")

    def _resolve(value: object) -> object:
        return resolve(value) if isinstance(value, str) else value

    try:
        raw = yamlio.load(text, where)
    except yamlio.YamlRefused as exc:
        raise ConfigError(str(exc)) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the run configuration must be a mapping at the top level")
    data = dict(raw)
    for key in _URI_FIELDS_TOP:
        if key in data:
            data[key] = _resolve(data[key])
    if isinstance(data.get("ownership"), dict):
        ownership = dict(data["ownership"])
        if isinstance(ownership.get("sources"), list):
            ownership["sources"] = [
                {**s, "uri": _resolve(s.get("uri"))} if isinstance(s, dict) else _resolve(s)
                for s in ownership["sources"]
            ]
        data["ownership"] = ownership
    if isinstance(data.get("partners"), list):
        partners = []
        for p in data["partners"]:
            if isinstance(p, dict):
                resolved = {k: (_resolve(v) if k in _URI_FIELDS_PARTNER else v) for k, v in p.items()}
                partners.append(resolved)
            else:
                partners.append(p)
        data["partners"] = partners
    data["config_uri"] = config_uri
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{where}: invalid run configuration: {validation_problems(exc)}") from exc
