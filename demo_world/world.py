"""A complete demo world: partner drops, ownership register, policy, exemptions, run configuration,
truth and README, as one deterministic function of (logical date, tenant count, seed).

Invariant: `build_world(spec)` is pure (no clock, no I/O, no hash-order dependence): the same spec
gives the same files byte for byte. `write_world` only writes those bytes through `Storage`, marker
first and `world.json` (the manifest with every file's sha256) last, so a reader can tell a complete
world from a half-written one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demo_world import aws, azure, bods, ftm, gcp, gleif, scenarios, vocab
from demo_world.identifiers import Ident
from demo_world.population import (
    TRUTH_COLUMNS,
    Population,
    make_population,
    rng_for,
    uuid_strings,
)
from demo_world.records import Catalogue, Org, Person
from pipeline.storage import Storage, join

GENERATOR = "demo_world/1"
MONTHS_BACK = 6
MARKER = ".demo-world"
MANIFEST = "world.json"
SCENARIO_SOURCE = "ownership/scenarios.json"
REGISTER_SOURCE = "ownership/register.jsonl"
GLEIF_LEI_SOURCE = "ownership/gleif/lei2-golden-copy.csv"
GLEIF_RR_SOURCE = "ownership/gleif/rr-golden-copy.csv"
FTM_SOURCE = "ownership/opensanctions/entities.ftm.json"
POLICY_PATH = "policy/unsupported-regions.yaml"
EXEMPTIONS_PATH = "policy/exemptions.yaml"
TRUTH_PATH = "truth/tenants.csv"
PARTNERS = ("aws", "gcp", "azure")
POLICY_VERSION = "2026-12-08"
# The truth file's columns: the truth proper, then what the tenant wrote (for reading it by eye).
TRUTH_FILE_COLUMNS = (*TRUTH_COLUMNS, "company_name", "country")

log = logging.getLogger(__name__)


class WorldExistsError(FileExistsError):
    """The output location already holds objects and replacing them was not asked for (or is unsafe)."""


@dataclass(frozen=True)
class WorldSpec:
    date: dt.date
    tenants: int = 400
    seed: int = 7
    # Registered companies of the ordinary population (None: `make_population`'s 1.25 per tenant).
    entities: int | None = None
    # Relationship statements of the register at least (None: as the population declares them, about 0.75
    # per company); more are minority stakes between clear companies, which change no decision.
    relationships: int | None = None


@dataclass(frozen=True)
class World:
    spec: WorldSpec
    files: dict[str, bytes]  # relative path -> content, without the manifest and marker
    truth: pd.DataFrame

    def manifest(self) -> dict[str, Any]:
        counts = Counter(zip(self.truth["partner"].tolist(), self.truth["expected_decision"].tolist(), strict=True))
        return {
            "generator": GENERATOR,
            "logical_date": self.spec.date.isoformat(),
            "tenants_requested": self.spec.tenants,
            "seed": self.spec.seed,
            "tenants": {p: int((self.truth["partner"] == p).sum()) for p in PARTNERS},
            "expected_decisions": {f"{p}/{d}": n for (p, d), n in sorted(counts.items())},
            "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(self.files.items())},
        }


# --- ownership of the ordinary population ---------------------------------------------------------


def _person_language(country: str) -> str:
    lang = vocab.LANGUAGE.get(country, "en")
    return lang if lang in vocab.PERSON_NAMES else "en"


def _records(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (much faster than DataFrame.to_dict for wide frames)."""
    values = [frame[c].tolist() for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _population_statements(pop: Population, spec: WorldSpec) -> tuple[bytes, int]:
    """Entity, person and relationship statements for the ordinary population, as the JSON Lines file's
    bytes, and how many statements it holds. Each kind's lines are kept as UTF-8 in one buffer as they
    are made (a million tenants' register is gigabytes: a list of its lines, their join and its encoding
    held it three times over).

    About 15% of clear companies have a corporate parent (an earlier clear company, so the groups form
    no cycles and never reach a restricted root); about 40% are owned by one or two resident persons
    (UK companies declare persons by register band); the rest declare nothing. Half of the mainland
    companies are owned by a mainland resident. `spec.relationships` beyond these are 5% stakes held by
    earlier clear companies in clear companies that declare nothing else (at most 20 each, so no
    company's stakes pass 100%), far below any share that restricts or asks for review.
    """
    rng = rng_for(spec.seed, "population-ownership")
    n = len(pop.entities)
    founded = [spec.date - dt.timedelta(days=d) for d in rng.integers(365, 365 * 30, size=n).tolist()]
    rolls = rng.random((n, 2)).tolist()
    numbers = rng.integers(0, 10**6, size=(n, 4)).tolist()
    person_ids = uuid_strings(rng_for(spec.seed, "population-person-ids"), 2 * n)
    relation_ids = uuid_strings(rng_for(spec.seed, "population-relation-ids"), 3 * n)
    records = _records(pop.entities, ("entity_id", "name", "country", "jurisdiction", "alternate_name", "restricted"))
    identifiers: dict[str, list[Ident]] = {}
    frame = pop.identifiers
    for eid, scheme, name, value in zip(
        frame["entity_id"].tolist(),
        frame["scheme"].tolist(),
        frame["scheme_name"].tolist(),
        frame["identifier"].tolist(),
        strict=True,
    ):
        identifiers.setdefault(eid, []).append(Ident(scheme, name, value))
    entities, persons, relations = _Lines(), _Lines(), _Lines()
    clear_rows = [i for i, r in enumerate(records) if not r["restricted"]]
    clear_rank = {row: k for k, row in enumerate(clear_rows)}
    silent: list[int] = []  # clear companies that declare no owner
    for i, r in enumerate(records):
        org = Org(
            key=str(r["entity_id"]),
            name=str(r["name"]),
            country=str(r["country"]),
            jurisdiction=str(r["jurisdiction"]),
            identifiers=tuple(identifiers.get(str(r["entity_id"]), ())),
            alternate_names=(str(r["alternate_name"]),) if r["alternate_name"] else (),
            founded=founded[i],
        )
        entities.append(bods.entity_line(org, org.key, founded[i], numbers[i][0]))
        declared = founded[i] + dt.timedelta(days=30)
        holders = _holders(bool(r["restricted"]), org.country, rolls[i][0], numbers[i])
        if not r["restricted"] and rolls[i][0] < 0.15 and clear_rank[i] > 0:
            parent = records[clear_rows[int(rolls[i][1] * clear_rank[i])]]
            stake = 100 if numbers[i][3] % 5 < 3 else 51 + numbers[i][3] % 49
            interest = _interest("shareholding", {"exact": stake}, declared)
            parent_id = str(parent["entity_id"])
            relations.append(bods.relationship_line(relation_ids[3 * i], org.key, parent_id, declared, [interest]))
            if stake < 100:
                holders = [[_interest("shareholding", {"exact": 100 - stake}, declared)]]
        for k, interests in enumerate(holders):
            pid = person_ids[2 * i + k]
            persons.append(bods.person_line(_person(pid, org.country, numbers[i], k), pid, org.key, declared, k))
            for interest in interests:
                interest["startDate"] = declared.isoformat()
            relations.append(bods.relationship_line(relation_ids[3 * i + 1 + k], org.key, pid, declared, interests))
        if not r["restricted"] and rolls[i][0] >= 0.55 and clear_rank[i] > 0:
            silent.append(i)
    if spec.relationships is not None and spec.relationships > relations.count:
        _minority_stakes(
            relations,
            spec,
            records=records,
            founded=founded,
            silent=silent,
            clear_rows=clear_rows,
            clear_rank=clear_rank,
        )
    count = entities.count + persons.count + relations.count
    return entities.take() + persons.take() + relations.take(), count


_MINORITY_STAKE = 5
_MINORITY_HOLDERS = 100 // _MINORITY_STAKE


def _minority_stakes(
    relations: _Lines,
    spec: WorldSpec,
    *,
    records: list[dict[str, Any]],
    founded: list[dt.date],
    silent: list[int],
    clear_rows: list[int],
    clear_rank: dict[int, int],
) -> None:
    """Relationship statements up to `spec.relationships`: stakes of `_MINORITY_STAKE`% held by earlier
    clear companies in the `silent` ones, the k-th holder of each a different company."""
    wanted = (spec.relationships or 0) - relations.count
    room = sum(min(_MINORITY_HOLDERS, clear_rank[i]) for i in silent)
    if wanted > room:
        log.warning("relationships: %s more asked, room for %s minority stakes", f"{wanted:,}", f"{room:,}")
        wanted = room
    rng = rng_for(spec.seed, "population-minority-stakes")
    ids = uuid_strings(rng_for(spec.seed, "population-minority-ids"), wanted)
    offsets = rng.integers(0, 2**31, size=len(silent)).tolist()
    made, k = 0, 0
    while made < wanted:
        for subject, offset in zip(silent, offsets, strict=True):
            if made == wanted:
                break
            if k >= min(_MINORITY_HOLDERS, clear_rank[subject]):
                continue
            party = records[clear_rows[(offset + k) % clear_rank[subject]]]
            declared = founded[subject] + dt.timedelta(days=60)
            interest = _interest("shareholding", {"exact": _MINORITY_STAKE}, declared)
            key, holder = str(records[subject]["entity_id"]), str(party["entity_id"])
            relations.append(bods.relationship_line(ids[made], key, holder, declared, [interest]))
            made += 1
        k += 1


class _Lines:
    """Text lines appended as UTF-8 to one buffer, each with its line break."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.count = 0

    def append(self, line: str) -> None:
        self._buffer.write(line.encode("utf-8"))
        self._buffer.write(b"\n")
        self.count += 1

    def take(self) -> bytes:
        """The lines' bytes; the buffer is emptied."""
        data = self._buffer.getvalue()
        self._buffer = io.BytesIO()
        return data


def _interest(kind: str, share: dict[str, float], start: dt.date | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind, "directOrIndirect": "direct", "share": share}
    if start is not None:
        out["startDate"] = start.isoformat()
    return out


def _holders(restricted: bool, country: str, roll: float, numbers: list[int]) -> list[list[dict[str, Any]]]:
    """The interests of the (at most two) natural persons who own a population company."""
    if restricted:
        return [[_interest("shareholding", {"exact": 100})]] if roll < 0.5 else []
    if not 0.15 <= roll < 0.55:
        return []
    two = numbers[1] % 5 < 2
    if country == "GB":
        # UK persons with significant control are declared by band, shares and votes alike.
        bands: list[dict[str, float]] = (
            [{"exclusiveMinimum": 50, "exclusiveMaximum": 75}, {"exclusiveMinimum": 25, "maximum": 50}]
            if two
            else [{"minimum": 75, "maximum": 100}]
        )
        return [[_interest("shareholding", dict(b)), _interest("votingRights", dict(b))] for b in bands]
    first = 50 + numbers[2] % 30 if two else 100
    out = [[_interest("shareholding", {"exact": first})]]
    if two:
        out.append([_interest("shareholding", {"exact": 100 - first})])
    return out


def _person(pid: str, country: str, numbers: list[int], k: int) -> Person:
    lang = _person_language(country)
    given, family = vocab.PERSON_NAMES[lang]
    return Person(
        key=pid,
        given=given[(numbers[k] // 7) % len(given)],
        family=family[(numbers[k] // 11) % len(family)],
        residence=country,
        nationalities=(country,),
        birth=f"{1950 + numbers[3] % 50}-{1 + numbers[k] % 12:02d}",
    )


def _scenario_statements(cat: Catalogue, spec: WorldSpec) -> list[bods.Statement]:
    ids = {key: bods.record_id(spec.seed, "entity", key) for key in cat.orgs}
    ids.update({key: bods.record_id(spec.seed, "person", key) for key in cat.persons})
    out: list[bods.Statement] = []
    for k, org in enumerate(cat.orgs.values()):
        if org.in_register:
            out.append(bods.entity_statement(org, ids[org.key], org.founded or spec.date, k))
    first_subject: dict[str, str] = {}
    for rel in cat.relations:
        first_subject.setdefault(rel.party, ids[rel.subject])
    since = spec.date.replace(year=spec.date.year - 6, day=1)
    for k, person in enumerate(cat.persons.values()):
        out.append(
            bods.person_statement(person, ids[person.key], first_subject.get(person.key, ids[person.key]), since, k)
        )
    for rel in cat.relations:
        record = bods.record_id(spec.seed, "relationship", rel.key)
        out.extend(bods.relationship_statements(rel, record, ids[rel.subject], ids[rel.party]))
    return out


# --- tenants -------------------------------------------------------------------------------------


def _created(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> list[dt.datetime]:
    span = (end - start).days
    days = rng.integers(0, span + 1, size=n).tolist()
    secs = rng.integers(0, 86_400, size=n).tolist()
    return [
        dt.datetime.combine(start + dt.timedelta(days=d), dt.time()) + dt.timedelta(seconds=s)
        for d, s in zip(days, secs, strict=True)
    ]


def _tenant_table(cat: Catalogue, pop: Population, spec: WorldSpec, scenario_aws_ids: list[str]) -> pd.DataFrame:
    """One row per tenant (scenario tenants first), with partner details and truth."""
    rng = rng_for(spec.seed, "scenario-gcp-ids")
    gcp_ids = iter(uuid_strings(rng, len(cat.tenants)))
    azure_ids = iter(uuid_strings(rng_for(spec.seed, "scenario-entra-ids"), len(cat.tenants)))
    aws_ids = iter(scenario_aws_ids)
    ids = {"aws": aws_ids, "gcp": gcp_ids, "azure": azure_ids}
    rows: list[dict[str, Any]] = []
    for t in cat.tenants:
        rows.append(
            {
                "key": t.key,
                "partner": str(t.partner),
                "tenant_id": next(ids[str(t.partner)]),
                "company_name": t.name,
                "country": t.country,
                "tax_country": t.tax_country or t.country,
                "tax_registration_number": t.tax,
                "company_number": t.company_number,
                "lei": t.lei,
                "email_domain": _scenario_domain(t.name, t.country),
                "payer_key": t.payer or "",
                "reseller_key": t.reseller or "",
                "billing_group": t.billing_group or "",
                "is_reseller": t.is_reseller,
                "legal_name_only": t.name_in_tax_legal_name_only,
                "gcp_state": t.gcp_state,
                "moved_from": t.history.moved_from or "",
                "moved_days_ago": t.history.moved_days_ago,
                "wrong_tax_number": t.history.wrong_tax_number or "",
                "corrected_days_ago": t.history.corrected_days_ago,
                "true_entity_id": bods.record_id(spec.seed, "entity", t.entity) if t.entity else "",
                "expected_decision": str(t.expected),
                "scenario": t.scenario,
                "name_variant": str(t.name_variant),
                "link_key": str(t.link_key),
                "exemption_id": t.exemption or "",
                "description": t.description,
                "scenario_tenant": True,
            }
        )
    table = pd.DataFrame(rows)
    ordinary = pop.tenants.copy()
    ordinary["key"] = ["ordinary-" + str(i) for i in range(len(ordinary))]
    ordinary["tax_country"] = ordinary["country"]
    for col, default in (
        ("payer_key", ""), ("reseller_key", ""), ("billing_group", ""), ("is_reseller", False),
        ("legal_name_only", False), ("gcp_state", "ACCOUNT_ACTIVE"), ("moved_from", ""), ("moved_days_ago", 0),
        ("wrong_tax_number", ""), ("corrected_days_ago", 0), ("description", ""), ("scenario_tenant", False),
    ):  # fmt: skip
        ordinary[col] = default
    _ordinary_account_relations(ordinary, spec)
    return pd.concat([table, ordinary.loc[:, list(table.columns)]], ignore_index=True)


def _ordinary_account_relations(ordinary: pd.DataFrame, spec: WorldSpec) -> None:
    """Payers, resellers and shared billing accounts among clear ordinary tenants only, so that none of
    them changes anyone's decision: 3% of AWS tenants are paid by another, 8% bought through a
    reseller, and 10% of GCP tenants share a Cloud Billing account in pairs."""
    rng = rng_for(spec.seed, "ordinary-relations")
    clear = (ordinary["expected_decision"] == "allow").to_numpy()
    aws_rows = np.flatnonzero(clear & (ordinary["partner"] == "aws").to_numpy())
    gcp_rows = np.flatnonzero(clear & (ordinary["partner"] == "gcp").to_numpy())
    roll = rng.random(len(aws_rows))
    payers = aws_rows[roll >= 0.2].tolist()
    keys = ordinary["key"].tolist()
    payer_key = ordinary["payer_key"].tolist()
    reseller_key = ordinary["reseller_key"].tolist()
    for r, x in zip(aws_rows.tolist(), roll.tolist(), strict=True):
        if x < 0.03 and len(payers) > 1:
            # A payer is itself never paid for by another account.
            payer = payers[int(x / 0.03 * len(payers))]
            if payer != r and not payer_key[payer]:
                payer_key[r] = keys[payer]
        elif x < 0.08:
            reseller_key[r] = "northstar_aws"
        elif x < 0.11:
            reseller_key[r] = "cloudbridge_aws"
    ordinary["payer_key"], ordinary["reseller_key"] = payer_key, reseller_key
    pairs = gcp_rows[rng.random(len(gcp_rows)) < 0.10]
    for k in range(0, len(pairs) - 1, 2):
        label = f"shared-{k // 2}"
        ordinary.loc[[pairs[k], pairs[k + 1]], "billing_group"] = label


def _scenario_domain(name: str, country: str) -> str:
    from demo_world.names import fold_ascii

    words = [w for w in fold_ascii(name).lower().replace("(", " ").split() if w.isalnum()]
    return f"{''.join(words[:2])[:20] or 'company'}.{vocab.TLD.get(country, 'com')}"


def _scenario_aws_ids(cat: Catalogue, spec: WorldSpec) -> list[str]:
    rng = rng_for(spec.seed, "scenario-aws-ids")
    out: list[str] = []
    for t in cat.tenants:
        if t.partner != "aws":
            continue
        while True:
            v = int(rng.integers(0, 10**10 if t.leading_zeros else 10**12))
            candidate = f"{v:012d}"
            if candidate not in out:
                out.append(candidate)
                break
    return out


def _aws_accounts(table: pd.DataFrame, cat: Catalogue, spec: WorldSpec, window_start: dt.date) -> list[aws.AwsAccount]:
    records = _records(table[table["partner"] == "aws"], tuple(table.columns))
    n = len(records)
    guids = uuid_strings(rng_for(spec.seed, "aws-account-guids"), n + len(cat.deleted))
    guid_of = {str(r["key"]): g for r, g in zip(records, guids, strict=False)}
    rng = rng_for(spec.seed, "aws-accounts")
    created_ordinary = _created(rng, n, window_start + dt.timedelta(days=1), spec.date)
    # Scenario accounts are older than their history (moves and corrections within the last 40 days).
    created_scenario = _created(rng, n, window_start + dt.timedelta(days=1), spec.date - dt.timedelta(days=50))
    encrypted = [
        "".join(_ALPHABET[c] for c in row) for row in rng.integers(0, 62, size=(n + len(cat.deleted), 11)).tolist()
    ]
    legal_only = rng.random(n).tolist()
    states = ("CA", "NY", "TX", "WA", "MA", "IL", "CO", "GA")
    out = []
    for i, r in enumerate(records):
        history = _history_times(r, spec.date)
        out.append(
            aws.AwsAccount(
                key=str(r["key"]),
                account_id=guids[i],
                aws_account_id=str(r["tenant_id"]),
                encrypted_account_id=encrypted[i],
                company_name=str(r["company_name"]),
                country=str(r["country"]),
                tax_country=str(r["tax_country"]),
                tax_number=str(r["tax_registration_number"]),
                email_domain=str(r["email_domain"]),
                created=created_scenario[i] if r["scenario_tenant"] else created_ordinary[i],
                payer=guid_of[str(r["payer_key"])] if r["payer_key"] else None,
                reseller=guid_of[str(r["reseller_key"])] if r["reseller_key"] else None,
                is_reseller=bool(r["is_reseller"]),
                moved_from=str(r["moved_from"]) or None,
                moved_at=history[0],
                wrong_tax_number=str(r["wrong_tax_number"]) or None,
                corrected_at=history[1],
                # Some accounts leave the address's company_name empty: the name is the tax_legal_name.
                name_in_tax_legal_name_only=bool(r["legal_name_only"])
                or (not r["scenario_tenant"] and bool(r["tax_registration_number"]) and legal_only[i] < 0.04),
                state_or_region=states[i % len(states)] if r["country"] == "US" else "",
            )
        )
    for k, d in enumerate(cat.deleted):
        created = dt.datetime.combine(spec.date - dt.timedelta(days=d.days_ago), dt.time(8, 0))
        out.append(
            aws.AwsAccount(
                key=d.key,
                account_id=guids[n + k],
                aws_account_id=f"{int(rng.integers(10**11, 10**12)):012d}",
                encrypted_account_id=encrypted[n + k],
                company_name=d.name,
                country=d.country,
                tax_country=d.country,
                tax_number="",
                email_domain="example.cn",
                created=created,
                payer=None,
                reseller=None,
                is_reseller=True,  # no agreement, no billing
                deleted_at=created + dt.timedelta(days=2),
            )
        )
    return out


_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _history_times(r: dict[str, Any], date: dt.date) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(moved at, corrected at) of a tenant's account history, if it has one."""
    moved = dt.datetime.combine(date - dt.timedelta(days=int(r["moved_days_ago"])), dt.time(9, 15))
    fixed = dt.datetime.combine(date - dt.timedelta(days=int(r["corrected_days_ago"])), dt.time(11, 5))
    return (moved if r["moved_from"] else None, fixed if r["wrong_tax_number"] else None)


def _gcp_accounts(table: pd.DataFrame, spec: WorldSpec, window_start: dt.date) -> list[gcp.GcpAccount]:
    records = _records(table[table["partner"] == "gcp"], tuple(table.columns))
    rng = rng_for(spec.seed, "gcp-accounts")
    billing = gcp.billing_account_ids(rng, len(records))
    group_billing: dict[str, str] = {}
    created = _created(rng, len(records), window_start + dt.timedelta(days=1), spec.date - dt.timedelta(days=1))
    out = []
    for i, r in enumerate(records):
        group = str(r["billing_group"])
        out.append(
            gcp.GcpAccount(
                account_id=str(r["tenant_id"]),
                company_name=str(r["company_name"]),
                country=str(r["country"]),
                tax_id=str(r["tax_registration_number"]),
                company_number=str(r["company_number"]),
                lei=str(r["lei"]),
                domain=str(r["email_domain"]),
                billing_account_id=group_billing.setdefault(group, billing[i]) if group else billing[i],
                created=created[i],
                state=str(r["gcp_state"]),
            )
        )
    return out


def _azure_drop(table: pd.DataFrame, cat: Catalogue, spec: WorldSpec) -> dict[str, bytes]:
    """The Azure scenario tenants as subscriptions: a customer record for every tenant that holds a
    subscription of its own; a reseller's purchases for its customers name it as the purchaser."""
    rows = {str(r["key"]): r for r in _records(table[table["partner"] == "azure"], tuple(table.columns))}
    scenario = {t.key: t for t in cat.tenants}
    rng = rng_for(spec.seed, "azure-drop")
    keys = sorted(rows)
    customer_ids = dict(zip(keys, uuid_strings(rng, len(keys)), strict=True))
    billing_ids = dict(zip(keys, uuid_strings(rng, len(keys)), strict=True))
    sub_ids = iter(uuid_strings(rng, 2 * len(keys)))

    def domain(key: str) -> str:
        return str(rows[key]["email_domain"]) or f"{key}.example"

    subscriptions = []
    for key in keys:
        t, r = scenario[key], rows[key]
        if t.purchaser_only:
            continue
        reseller = rows[t.reseller] if t.reseller else None
        customer = azure.AzureCustomer(
            customer_id=customer_ids[key],
            tenant_id=str(r["tenant_id"]),
            company_name=str(r["company_name"]),
            country=str(r["country"]),
            domain=domain(key),
            billing_account_id=billing_ids[key],
            acquired=spec.date - dt.timedelta(days=90),
            provider_name=str(reseller["company_name"]) if reseller is not None else "",
            provider_domain=domain(str(t.reseller)) if t.reseller else "",
        )
        purchasers = [str(reseller["tenant_id"])] if reseller is not None else [customer.tenant_id]
        if t.also_direct:
            purchasers.append(customer.tenant_id)
        for k, purchaser in enumerate(purchasers):
            subscriptions.append(
                azure.AzureSubscription(
                    subscription_id=next(sub_ids),
                    beneficiary=customer,
                    purchaser_tenant=purchaser,
                    purchaser_domain=domain(str(t.reseller)) if purchaser != customer.tenant_id else customer.domain,
                    plan=("pro", "team")[k % 2],
                    started=spec.date - dt.timedelta(days=60 - 7 * k),
                )
            )
    return azure.write_drop(subscriptions, date=spec.date)


# --- configuration, policy, exemptions -----------------------------------------------------------


def policy_yaml() -> str:
    return f"""\
# The restriction policy of the demo world (generated by `recon demo-world`).
# No access for organisations controlled from a restricted jurisdiction: incorporated or headquartered
# there, or more than 50% owned, directly or indirectly, by parties there.
id: unsupported-regions
version: "{POLICY_VERSION}"
restricted_jurisdictions: [CN]
ownership:
  method: cascade
  threshold: 0.5
  comparator: ">"
  interests: [shareholding, votingRights]
roots:
  entity_bases: [incorporation, headquarters]
  person_bases: [residence]
  # Named on the US Department of Defense's 1260H list (OpenSanctions' dataset): restricted whatever
  # the jurisdiction, and so is what it owns more than 50% of.
  designated: [us_dod_chinese_milcorp]
control_without_shares: review
# A restricted GLEIF consolidation parent controls what it consolidates (IFRS 10 / US GAAP).
consolidation: restrict
tenants:
  # A tenant's own location, whatever its link: a tax address or the marketplace's company country
  # (GCP sign-up country) in a restricted jurisdiction revokes; a mailing address there alone only
  # suggests it (an office of a foreign company): review.
  location_bases: [tax_address, company_country, address]
  basis_actions:
    tax_address: revoke
    company_country: revoke
    address: review
  restricted_payer: revoke
  # Also a payer account paying for a restricted end-user account.
  reseller_for_restricted: review
  # A customer buying through a restricted reseller: its access runs through a restricted party.
  restricted_reseller: review
  # A payer that is not itself a known tenant (a GCP Cloud Billing account) shared with a restricted tenant.
  shared_billing_with_restricted: review
enforcement:
  notice_period_days: 0
"""


def exemptions_yaml(cat: Catalogue, table: pd.DataFrame, spec: WorldSpec) -> str:
    """The exemptions file of docs/formats.md. Every text value is double-quoted (a JSON string is a
    valid YAML scalar), so that an account id such as "004455667788" stays text in any YAML reader;
    dates stay plain YAML dates."""
    tenant_ids = dict(zip(table["key"], table["tenant_id"], strict=False))
    lines = [
        "# Legal sign-offs that turn a revoke into allow until they expire (inclusive).",
        "exemptions:",
    ]
    for ex in cat.exemptions:
        fields: list[tuple[str, str]] = [("id", json.dumps(ex.id))]
        if ex.partner:
            fields.append(("partner", json.dumps(ex.partner)))
        if ex.tenant:
            fields.append(("tenant_id", json.dumps(tenant_ids[ex.tenant])))
        if ex.entity:
            fields.append(("entity_id", json.dumps(bods.record_id(spec.seed, "entity", ex.entity))))
        fields += [
            ("reason", json.dumps(ex.reason, ensure_ascii=False)),
            ("approved_by", json.dumps(ex.approved_by, ensure_ascii=False)),
            ("approved_on", ex.approved_on.isoformat()),
            ("expires", ex.expires.isoformat()),
        ]
        for k, (key, value) in enumerate(fields):
            lines.append(f"  {'- ' if k == 0 else '  '}{key}: {value}")
    return "\n".join(lines) + "\n"


def config_yaml(seller_account_id: str) -> str:
    return f"""\
# Run configuration of a demo world (generated by `recon demo-world`).
# Paths are relative to this file, so the world can be copied elsewhere and still run.
workspace: workspace
reports: reports
audit: audit
judgements: judgements                # reviewers' judgements (recon review), kept across nights
policy: {POLICY_PATH}
exemptions: {EXEMPTIONS_PATH}
ownership:
  sources:
    - {SCENARIO_SOURCE}
    - {REGISTER_SOURCE}
    - {{uri: {GLEIF_LEI_SOURCE}, format: gleif_lei}}
    - {{uri: {GLEIF_RR_SOURCE}, format: gleif_rr}}
    - {{uri: {FTM_SOURCE}, format: ftm}}
partners:
  - name: aws
    kind: aws_marketplace
    inbox: inbox/aws
    outbox: outbox/aws
    seller_account_id: "{seller_account_id}"
    aws_feeds:
      months_back: {MONTHS_BACK}
  - name: gcp
    kind: gcp_marketplace
    inbox: inbox/gcp
    outbox: outbox/gcp
  - name: azure
    kind: azure_marketplace
    inbox: inbox/azure
    outbox: outbox/azure
matching:
  min_revoke_confidence: 0.9
  fuzzy_min_score: 85.0
  tie_margin: 0.03
# The demo's first run publishes each partner's first list, so every row counts as added. Its scenario
# tenants are always present, so in a small world they are a large share (about 10% of 400 tenants, over
# half of one partner's accounts in a world of 60): these limits let a first demo list through while a
# mass change beyond them still stops.
gate:
  max_added: 200
  max_lifted: 200
  max_added_share: 0.6
  max_lifted_share: 0.5
"""


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


# --- the world -----------------------------------------------------------------------------------


def _scenario_names(cat: Catalogue) -> frozenset[tuple[str, str]]:
    """(country, name without legal form) of every scenario company: the population must not repeat one."""
    from pipeline.matching.names import normalise_names

    orgs = list(cat.orgs.values())
    keys = normalise_names(pd.Series([o.name for o in orgs], dtype="str"))["key"].tolist()
    return frozenset((o.country, k) for o, k in zip(orgs, keys, strict=True) if k)


def build_world(spec: WorldSpec) -> World:
    """Every file of the world for `spec`, in memory."""
    if spec.tenants < 0:
        raise ValueError("the tenant count must be >= 0")
    cat = scenarios.build(spec.date)
    scenario_aws = _scenario_aws_ids(cat, spec)
    n_ordinary = max(0, spec.tenants - len(cat.tenants))
    log.info("demo world: %s tenants (%s in scenarios), seed %d", f"{spec.tenants:,}", len(cat.tenants), spec.seed)
    pop = make_population(
        n_ordinary,
        n_entities=spec.entities,
        seed=spec.seed,
        exclude_aws_ids=frozenset(scenario_aws),
        reserved_names=_scenario_names(cat),
    )
    log.info("population: %s entities, %s tenants", f"{len(pop.entities):,}", f"{len(pop.tenants):,}")
    table = _tenant_table(cat, pop, spec, scenario_aws)

    months = aws.feed_months(spec.date, MONTHS_BACK)
    window_start = dt.date(*months[1], 1)  # the oldest month's file stays header-only
    seller = uuid_strings(rng_for(spec.seed, "seller"), 1)[0]
    files: dict[str, bytes] = {}
    layout = aws.FeedLayout(
        date=spec.date,
        months_back=MONTHS_BACK,
        country_code_since=months[-3],
        empty=("AgreementFeed_V1", months[3]),
    )
    feeds = aws.write_feeds(
        _aws_accounts(table, cat, spec, window_start),
        layout,
        seller_account_id=seller,
        rng=rng_for(spec.seed, "aws-feeds"),
    )
    files.update({f"inbox/aws/{path}": data for path, data in feeds.items()})
    log.info("AWS feeds: %d files, %s bytes", len(feeds), f"{sum(map(len, feeds.values())):,}")
    drop = gcp.write_drop(_gcp_accounts(table, spec, window_start), date=spec.date, rng=rng_for(spec.seed, "gcp-drop"))
    files.update({f"inbox/gcp/{path}": data for path, data in drop.items()})
    log.info("GCP drop: %d files, %s bytes", len(drop), f"{sum(map(len, drop.values())):,}")
    azure = _azure_drop(table, cat, spec)
    files.update({f"inbox/azure/{path}": data for path, data in azure.items()})
    log.info("Azure drop: %d files, %s bytes", len(azure), f"{sum(map(len, azure.values())):,}")

    scenario_statements = _scenario_statements(cat, spec)
    files[SCENARIO_SOURCE] = (json.dumps(scenario_statements, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    files[REGISTER_SOURCE], register = _population_statements(pop, spec)
    log.info("ownership register: %s statements", f"{register:,}")
    files[GLEIF_LEI_SOURCE] = gleif.lei_file(cat, spec.date)
    files[GLEIF_RR_SOURCE] = gleif.rr_file(cat, spec.date)
    files[FTM_SOURCE] = ftm.entities_file(cat, spec.date)

    files[POLICY_PATH] = policy_yaml().encode("utf-8")
    files[EXEMPTIONS_PATH] = exemptions_yaml(cat, table, spec).encode("utf-8")
    files["config.yaml"] = config_yaml(seller).encode("utf-8")
    truth = table.loc[:, list(TRUTH_FILE_COLUMNS)].reset_index(drop=True)
    files[TRUTH_PATH] = _csv_bytes(truth)
    counts = {"scenario statements": len(scenario_statements), "register statements": register}
    files["README.md"] = readme(spec, table, cat, pop, counts).encode("utf-8")
    return World(spec=spec, files=files, truth=truth)


def write_world(storage: Storage, out_uri: str, spec: WorldSpec, *, force: bool = False) -> World:
    """Generate the world for `spec` and write it under `out_uri` (file://, s3:// or gs://).

    An output location that already holds objects is an error, unless `force` is set and it holds a
    previous demo world (its marker file), which is then deleted first.
    """
    prefix = out_uri.rstrip("/") + "/"
    existing = storage.list(prefix)
    if existing:
        if not force:
            raise WorldExistsError(f"{out_uri}: not empty ({len(existing)} objects); pass --force to replace a world")
        if join(out_uri, MARKER) not in existing:
            raise WorldExistsError(
                f"{out_uri}: not empty and not a demo world (no {MARKER}); refusing to delete it even with --force"
            )
        for uri in existing:
            storage.delete(uri)
    world = build_world(spec)
    log.info("writing %d files to %s", len(world.files) + 2, out_uri)
    storage.write_text(join(out_uri, MARKER), f"demo world written by {GENERATOR}\n")
    for path, data in sorted(world.files.items()):
        storage.write_bytes(join(out_uri, path), data, _content_type(path))
    manifest = json.dumps(world.manifest(), indent=2, sort_keys=True) + "\n"
    storage.write_text(join(out_uri, MANIFEST), manifest, "application/json")
    return world


def _content_type(path: str) -> str:
    if path.endswith(".csv"):
        return "text/csv; charset=utf-8"
    if path.endswith((".json", ".jsonl")):
        return "application/json"
    if path.endswith((".yaml", ".yml")):
        return "application/yaml"
    return "text/markdown; charset=utf-8"


def readme(spec: WorldSpec, table: pd.DataFrame, cat: Catalogue, pop: Population, counts: dict[str, int]) -> str:
    """The world's README: what is where, the policy, and every scenario with its expected decision."""
    partners = Counter(table["partner"])
    decisions = Counter(zip(table["partner"], table["expected_decision"], strict=True))
    lines = [
        f"# Demo world for {spec.date.isoformat()}",
        "",
        f"Generated by `recon demo-world --date {spec.date.isoformat()} --tenants {spec.tenants} --seed {spec.seed}`"
        " (deterministic: the same arguments give byte-identical files). Everything here is invented.",
        "",
        "## Layout",
        "",
        "| path | what |",
        "|---|---|",
        "| `config.yaml` | run configuration (paths relative to it); `recon run --config config.yaml --date ...` |",
        f"| `{POLICY_PATH}` | the restriction policy (CN restricted, cascade, more than 50%) |",
        f"| `{EXEMPTIONS_PATH}` | legal exemptions: one active, one expired |",
        "| `inbox/aws/<Feed>/year=YYYY/month=MM/data.csv` | AWS Seller Data Feeds, one file per month |",
        "| `inbox/gcp/{accounts,entitlements,usage}/dt=D/` | the GCP drop of the logical date (docs/formats.md) |",
        "| `inbox/azure/{subscriptions,customers,orders,usage}/dt=D/` | the Azure Marketplace drop (docs/formats.md) |",
        f"| `{SCENARIO_SOURCE}` | BODS 0.4 statements of the scenarios "
        f"({counts['scenario statements']} statements, JSON array) |",
        f"| `{REGISTER_SOURCE}` | BODS 0.4 statements of the ordinary population "
        f"({counts['register statements']} statements, JSON Lines) |",
        f"| `{GLEIF_LEI_SOURCE}`, `{GLEIF_RR_SOURCE}` | GLEIF golden copy CSV: the scenarios' LEI records "
        f"({len(cat.gleif)}) and consolidation relationships ({len(cat.consolidations)}) |",
        f"| `{FTM_SOURCE}` | OpenSanctions FollowTheMoney entities: a 1260H-designated company and the stake "
        "it holds |",
        f"| `{TRUTH_PATH}` | one row per tenant: true entity, expected decision, scenario, name variant |",
        "| `outbox/`, `workspace/`, `reports/`, `audit/` | written by the pipeline |",
        "| `judgements/` | the reviewers' judgements, written by `recon review` |",
        "",
        "## Tenants",
        "",
        f"{partners['aws']} AWS accounts, {partners['gcp']} GCP accounts and {partners['azure']} Azure "
        f"(Microsoft Entra) tenants; {len(cat.tenants)} of them are the "
        f"hand-written scenarios below, {len(pop.tenants)} the ordinary population. Expected decisions:",
        "",
        "| partner | revoke | review | allow |",
        "|---|---|---|---|",
    ]
    for p in PARTNERS:
        lines.append(f"| {p} | {decisions[(p, 'revoke')]} | {decisions[(p, 'review')]} | {decisions[(p, 'allow')]} |")
    lines += [
        "",
        "## Scenarios",
        "",
        "| scenario | partner | tenant | name as written | expected | why |",
        "|---|---|---|---|---|---|",
    ]
    for r in table[table["scenario_tenant"]].itertuples(index=False):
        lines.append(
            f"| `{r.scenario}` | {r.partner} | `{r.tenant_id}` | {r.company_name} | **{r.expected_decision}** | "
            f"{r.description} |"
        )
    variants = Counter(table["name_variant"])
    links = Counter(table["link_key"])
    lines += [
        "",
        "## The ordinary population",
        "",
        f"{len(pop.entities)} registered companies in {pop.entities['country'].nunique()} countries "
        f"({int(pop.entities['restricted'].sum())} of them in mainland China, restricted), with identifiers as "
        "their registers issue them (CN-SAMR Unified Social Credit Codes with valid check characters, GB-COH, "
        "DE-CR, FR-RCS, NL-KVK, JP-JCN, SG-ACRA, AU-ABN, XI-LEI LEIs with valid check digits, VAT and tax "
        "numbers as `<CC>-VAT`/`<CC>-TIN`-style schemes); some companies have a corporate parent, some "
        "declared persons (UK ones by register band), some nothing. Tenants write their names in these ways: "
        + ", ".join(f"{k} {v}" for k, v in sorted(variants.items()))
        + ". What links them to their entity: "
        + ", ".join(f"{k} {v}" for k, v in sorted(links.items()))
        + ".",
        "",
        "## Readings this world relies on",
        "",
        "- AWS history: the current row of a key is the latest `valid_from`, then the latest `update_date` "
        "within it; when that row has `delete_date` set the record is deleted (a soft-deleted account and "
        "soft-deleted duplicate agreements are present and are not tenants/agreements).",
        "- AWS company name: the address `company_name`, or the account's `tax_legal_name` when it is empty.",
        "- Address files name the country `country` up to "
        f"{aws.feed_months(spec.date, MONTHS_BACK)[-4][0]}-{aws.feed_months(spec.date, MONTHS_BACK)[-4][1]:02d} "
        "and `country_code` from the month after.",
        "- Payers: a known payer account that is restricted revokes its members (`tenants.restricted_payer`); "
        "a payer paying for a restricted member, like a reseller selling to one, is reviewed "
        "(`tenants.reseller_for_restricted`); a customer buying through a restricted reseller is reviewed "
        "(`tenants.restricted_reseller`); a GCP Cloud Billing account shared with a restricted tenant "
        "makes the other tenants on it review (`tenants.shared_billing_with_restricted`).",
        "- Unregistered tenants are judged on their own addresses: a tax address in CN revokes, a mailing or "
        "sign-up address in CN reviews (`tenants.basis_actions`); AWS accounts always have a tax address (the "
        "mailing address unless stated), GCP accounts only a sign-up country.",
        "- BODS: the latest statement of a record wins; `recordStatus: closed` ends it; interests count only "
        "between `startDate` and `endDate`; declared `indirect` interests are checks, not edges.",
        "- GLEIF and OpenSanctions records join the register's by LEI (the register's ids lead); a restricted "
        "GLEIF consolidation parent restricts what it consolidates (`consolidation: restrict`), a company on a "
        "list the policy's `roots.designated` names is a root whatever its jurisdiction, and a jurisdiction on "
        "which the register and GLEIF disagree about restriction is a review.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["World", "WorldExistsError", "WorldSpec", "build_world", "write_world"]
