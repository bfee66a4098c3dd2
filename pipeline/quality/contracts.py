"""Data contracts (ODCS v3 YAML in data_contracts/) loaded into the rules the pipeline checks.

Invariant: a `Contract` is read only through the maintained ODCS model
(`OpenDataContractStandard.from_string`) and turned into a fixed set of `Rule`s; anything in a contract
this module does not understand (an unsupported metric, a `sql` rule, an unknown severity, a rule
without a name) raises `ContractError` when the contract is loaded, so no rule is ever silently
skipped. The same contract always yields the same rules in the same order.

How contract fields become rules (every rule has an id, a severity and a scope):

- property `required: true`                 -> `<col>.required`        (row, error)
- `logicalTypeOptions.pattern`              -> `<col>.pattern`         (row, error)
- `logicalTypeOptions.minLength/maxLength`  -> `<col>.length`          (row, error)
- `enum` (RFC 0033 allowed values)          -> `<col>.allowed_values`  (row, error); with the property's
  custom property `separator`, a cell holds several values joined with it, each one of the enum
- `logicalType: date` on a text column      -> `<col>.format`          (row, error) `yyyy-MM-dd`
- `logicalType: timestamp` on a text column -> `<col>.format` ISO 8601 and `<col>.calendar` (a real instant)
- `logicalType: number/integer` on text     -> `<col>.number`          (row, error) a plain decimal
- `logicalType: boolean`                    -> `<col>.boolean`         (row, error) true/false (or their text)
- `logicalTypeOptions.minimum/maximum/...`  -> `<col>.range`           (row, error)
- `unique: true`                            -> `<col>.unique`          (row, error)
- `logicalType: array` with `items`, or `object` with `properties`, nested as deep as needed
                                            -> `<col>.type`            (dataset, error) the column holds
  values of exactly that shape (Arrow list / struct of string, number, integer, boolean leaves); its
  `required: true` -> `<col>.required` (row, error). Both are checked by our own code, not by Great
  Expectations, whose expectations are for scalar columns; a nested column takes no other rule. An
  `array` or `object` without `items` / `properties` (`physicalType: json`, in the raw partner files)
  is the JSON text of one, as the partner readers keep it.
- `primaryKey` columns                      -> `key.unique`            (row, error)
- explicit `quality` rules (library metrics nullValues, missingValues, invalidValues, duplicateValues,
  rowCount; `custom` rules for Great Expectations or for our cross-dataset checks) keep their own
  `severity`; a property-level rule is `<col>.<name>`, a schema-level rule is `<name>`.

Row scope: each failing row is judged alone; at `error` it is quarantined (excluded, with the rule), at
`warn` it is kept and reported. A library rule with a tolerance (`mustBeLessOrEqualTo: 5, unit: percent`,
...) is judged on the whole dataset instead and quarantines nothing. Dataset scope: the dataset passes
or fails as a whole; an `error` failure stops the run.

Contract-level settings are ODCS custom properties of the schema object: `maxQuarantineShare` (the
share of rows that may be quarantined before the run stops; default from the run configuration) and
`historyKey` (raw partner feeds whose rows are versions of a key: the columns of that key).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from open_data_contract_standard.model import (
    DataQuality,
    OpenDataContractStandard,
    SchemaObject,
    SchemaProperty,
)
from pydantic import ValidationError

from pipeline.errors import RunStopped

# The contracts ship with the code, beside the package (like the policy files they sit next to).
CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "data_contracts"

# The GE engine name as ODCS examples spell it, and ours for checks that span datasets.
GE_ENGINE = "great-expectations"
RECON_ENGINE = "recon"
# Rules our own code evaluates (cross-dataset checks, list invariants); `pipeline` is the publish
# contracts' spelling of the same thing.
OWN_ENGINES = (RECON_ENGINE, "pipeline")

# ISO 8601 date-time as the partners write it: date, `T` or space, time, optional fraction, optional zone.
_ISO_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
_DECIMAL = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
_INTEGER = r"^[+-]?[0-9]+$"


class ContractError(RunStopped, ValueError):
    """A contract is missing, unreadable, or uses something this pipeline cannot check."""


class Severity(enum.StrEnum):
    ERROR = "error"  # stops the run (dataset scope) or quarantines the row (row scope)
    WARN = "warn"  # reported, nothing excluded
    INFO = "info"  # reported for the record

    @classmethod
    def parse(cls, value: str | None, where: str) -> Severity:
        if value is None:
            return cls.ERROR
        aliases = {"warning": cls.WARN, "critical": cls.ERROR}
        text = value.strip().lower()
        if text in aliases:
            return aliases[text]
        try:
            return cls(text)
        except ValueError:
            raise ContractError(f"{where}: unknown severity {value!r} (use error, warn or info)") from None


class Scope(enum.StrEnum):
    ROW = "row"  # each failing row is identified (and quarantined at error)
    DATASET = "dataset"  # the dataset passes or fails as a whole
    CROSS = "cross"  # spans datasets; evaluated by pipeline.quality.cross, not by GE


class OwnCheck(enum.StrEnum):
    """A rule our own code checks instead of Great Expectations (nested columns)."""

    TYPE = "type"  # the column holds values of the declared nested shape
    PRESENT = "present"  # no row lacks a value


class Comparison(enum.StrEnum):
    EQ = "mustBe"
    NE = "mustNotBe"
    GT = "mustBeGreaterThan"
    GE = "mustBeGreaterOrEqualTo"
    LT = "mustBeLessThan"
    LE = "mustBeLessOrEqualTo"
    BETWEEN = "mustBeBetween"
    NOT_BETWEEN = "mustNotBeBetween"


@dataclass(frozen=True)
class Threshold:
    """A tolerance on a rule's failing rows, counted in `rows` or `percent` of the dataset."""

    comparison: Comparison
    value: float | tuple[float, float]
    unit: str = "rows"

    def holds(self, failed: int, total: int) -> bool:
        measured = (100.0 * failed / total if total else 0.0) if self.unit == "percent" else float(failed)
        v = self.value
        if isinstance(v, tuple):
            inside = v[0] <= measured <= v[1]
            return inside if self.comparison is Comparison.BETWEEN else not inside
        checks = {
            Comparison.EQ: measured == v,
            Comparison.NE: measured != v,
            Comparison.GT: measured > v,
            Comparison.GE: measured >= v,
            Comparison.LT: measured < v,
            Comparison.LE: measured <= v,
        }
        return checks[self.comparison]

    def describe(self) -> str:
        unit = "%" if self.unit == "percent" else " rows"
        return f"{self.comparison.value} {self.value}{unit}"


@dataclass(frozen=True)
class Rule:
    """One check of a contract. `expectation`/`kwargs` name a GE expectation (None for cross checks)."""

    id: str
    severity: Severity
    scope: Scope
    description: str
    column: str | None = None
    expectation: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # Checked on a value derived from a text column: `numeric` (the number), `instant` (whether it names
    # a real point in time, parsed vectorised: GE's dateutil check costs ~0.3 ms per value) or `date`
    # (whether it is a `%Y-%m-%d` date to datetime.strptime, as GE's strftime check asks of every value,
    # asked once per distinct text).
    derive: str | None = None
    # A format check of values held as text; a column already typed (numbers, datetimes) skips it.
    text_only: bool = False
    threshold: Threshold | None = None
    own: OwnCheck | None = None  # checked by pipeline.quality.validate itself, not by GE
    shape: pa.DataType | None = field(default=None, hash=False, compare=False)  # for OwnCheck.TYPE


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: str
    required: bool
    description: str
    synonyms: tuple[str, ...] = ()
    shape: pa.DataType | None = field(default=None, hash=False, compare=False)  # a nested column's Arrow type


@dataclass(frozen=True)
class Contract:
    name: str
    version: str
    dataset: str  # the schema object's name
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...]
    max_quarantine_share: float | None
    history_key: tuple[str, ...]
    source: str
    model: OpenDataContractStandard = field(repr=False, compare=False, hash=False)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}: no column {name!r}")

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"{self.name}: no rule {rule_id!r}")

    @property
    def synonyms(self) -> dict[str, str]:
        """Alternative column names (as partners have spelled them) -> the contract's name."""
        return {s: c.name for c in self.columns for s in c.synonyms}


def _custom(props: list[Any] | None) -> dict[str, Any]:
    return {p.property: p.value for p in props or [] if p.property}


def _threshold(q: DataQuality, where: str) -> Threshold | None:
    found: list[Threshold] = []
    unit = (q.unit or "rows").lower()
    if unit not in ("rows", "percent"):
        raise ContractError(f"{where}: unit must be rows or percent, not {q.unit!r}")
    for comp in Comparison:
        value = getattr(q, comp.value)
        if value is None:
            continue
        if comp in (Comparison.BETWEEN, Comparison.NOT_BETWEEN):
            found.append(Threshold(comp, (float(value[0]), float(value[1])), unit))
        else:
            found.append(Threshold(comp, float(value), unit))
    if len(found) > 1:
        raise ContractError(f"{where}: give one comparison (mustBe, mustBeLessOrEqualTo, ...), not several")
    return found[0] if found else None


def _is_per_row(threshold: Threshold | None) -> bool:
    """No tolerance, or `mustBe: 0` rows: every single row must pass, so each failing row is judged."""
    return threshold is None or (
        threshold.comparison is Comparison.EQ and threshold.value == 0 and threshold.unit == "rows"
    )


def _rule_id(q: DataQuality, column: str | None, where: str) -> str:
    name = q.name or q.id
    if not name:
        raise ContractError(f"{where}: every quality rule needs a `name` (it becomes the rule id)")
    return f"{column}.{name}" if column else name


def _metric_expectation(
    metric: str | None, args: dict[str, Any], column: str | None, where: str
) -> tuple[str, dict[str, Any]]:
    """The GE expectation (type, kwargs) counting the rows an ODCS library metric counts."""
    if metric == "duplicateValues":
        cols = args.get("properties") or ([column] if column else None)
        if not cols:
            raise ContractError(f"{where}: duplicateValues at schema level needs arguments.properties")
        if len(cols) == 1:
            return "expect_column_values_to_be_unique", {"column": cols[0]}
        return "expect_compound_columns_to_be_unique", {"column_list": list(cols)}
    if column is None:
        raise ContractError(f"{where}: metric {metric!r} belongs on a property")
    if metric == "nullValues":
        return "expect_column_values_to_not_be_null", {"column": column}
    if metric == "missingValues":
        missing = args.get("missingValues")
        if not isinstance(missing, list) or not missing:
            raise ContractError(f"{where}: missingValues needs arguments.missingValues (a list)")
        return "expect_column_values_to_not_be_in_set", {"column": column, "value_set": missing}
    if metric == "invalidValues":
        if "validValues" in args:
            return "expect_column_values_to_be_in_set", {"column": column, "value_set": list(args["validValues"])}
        if "pattern" in args:
            return "expect_column_values_to_match_regex", {"column": column, "regex": str(args["pattern"])}
        raise ContractError(f"{where}: invalidValues needs arguments.validValues or arguments.pattern")
    raise ContractError(f"{where}: unsupported quality metric {metric!r}")


# ODCS v3.0 named the library rules differently (`rule:`); v3.1 renamed them (`metric:`).
_V30_RULES = {"duplicateCount": "duplicateValues", "nullCheck": "nullValues", "rowCount": "rowCount"}


def _library_rule(q: DataQuality, column: str | None, where: str) -> Rule:
    metric = q.metric or _V30_RULES.get(q.rule or "", q.rule)
    rule_id = _rule_id(q, column, where)
    severity = Severity.parse(q.severity, where)
    threshold = _threshold(q, where)
    description = q.description or ""
    if metric == "rowCount":
        if column:
            raise ContractError(f"{where}: rowCount is a schema-level rule")
        if threshold is None:
            raise ContractError(f"{where}: rowCount needs a comparison (mustBeGreaterThan: 0, ...)")
        kwargs = _row_count_bounds(threshold, where)
        return Rule(rule_id, severity, Scope.DATASET, description, None, "expect_table_row_count_to_be_between", kwargs)
    exp, kw = _metric_expectation(metric, dict(q.arguments or {}), column, where)
    scope = Scope.ROW if _is_per_row(threshold) else Scope.DATASET
    return Rule(
        rule_id, severity, scope, description, column, exp, kw, threshold=None if scope is Scope.ROW else threshold
    )


def _row_count_bounds(t: Threshold, where: str) -> dict[str, Any]:
    v = t.value
    if isinstance(v, tuple):
        if t.comparison is Comparison.NOT_BETWEEN:
            raise ContractError(f"{where}: rowCount cannot use mustNotBeBetween")
        return {"min_value": int(v[0]), "max_value": int(v[1])}
    bounds = {
        Comparison.EQ: {"min_value": int(v), "max_value": int(v)},
        Comparison.GT: {"min_value": int(v) + 1},
        Comparison.GE: {"min_value": int(v)},
        Comparison.LT: {"max_value": int(v) - 1},
        Comparison.LE: {"max_value": int(v)},
    }
    if t.comparison not in bounds:
        raise ContractError(f"{where}: rowCount cannot use {t.comparison.value}")
    return bounds[t.comparison]


def _custom_rule(q: DataQuality, column: str | None, where: str) -> Rule:
    rule_id = _rule_id(q, column, where)
    severity = Severity.parse(q.severity, where)
    engine = (q.engine or "").strip().lower().replace("_", "-")
    if engine in OWN_ENGINES:
        return Rule(rule_id, severity, Scope.CROSS, q.description or "", column)
    if engine not in (GE_ENGINE, "greatexpectations"):
        raise ContractError(f"{where}: unsupported custom engine {q.engine!r} (use {GE_ENGINE} or {RECON_ENGINE})")
    impl = q.implementation
    if isinstance(impl, str):
        try:
            impl = yaml.safe_load(impl)
        except yaml.YAMLError as exc:
            raise ContractError(f"{where}: implementation is not YAML: {exc}") from exc
    if not isinstance(impl, dict) or not isinstance(impl.get("type"), str):
        raise ContractError(f"{where}: a {GE_ENGINE} implementation is {{type: expect_..., kwargs: {{...}}}}")
    kwargs = dict(impl.get("kwargs") or {})
    if column and "column" not in kwargs and "column_list" not in kwargs and "column_A" not in kwargs:
        kwargs["column"] = column
    # With `mostly` the expectation tolerates failing rows: it judges the dataset, not each row.
    scope = Scope.DATASET if "mostly" in kwargs or impl["type"].startswith("expect_table_") else Scope.ROW
    return Rule(rule_id, severity, scope, q.description or "", column, impl["type"], kwargs)


def _quality_rules(quality: list[DataQuality] | None, column: str | None, where: str) -> list[Rule]:
    rules = []
    for i, q in enumerate(quality or []):
        here = f"{where} quality[{i}]"
        kind = (q.type or "library").lower()
        if kind == "text":
            continue  # prose for humans, nothing to execute
        if kind == "library" or q.metric or q.rule:
            rules.append(_library_rule(q, column, here))
        elif kind == "custom":
            rules.append(_custom_rule(q, column, here))
        else:
            raise ContractError(f"{here}: quality rules of type {q.type!r} are not supported")
    return rules


def _row_rule(col: str, check: str, description: str, expectation: str, **kwargs: Any) -> Rule:
    """An implicit rule of a property: row scope, severity error."""
    flags = {k: kwargs.pop(k) for k in ("text_only", "derive") if k in kwargs}
    return Rule(
        f"{col}.{check}", Severity.ERROR, Scope.ROW, description, col, expectation, {"column": col, **kwargs}, **flags
    )


def _bounds(opts: dict[str, Any]) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for key, kw in (
        ("minimum", "min_value"),
        ("exclusiveMinimum", "min_value"),
        ("maximum", "max_value"),
        ("exclusiveMaximum", "max_value"),
    ):
        if key in opts:
            bounds[kw] = float(opts[key])
            if key.startswith("exclusive"):
                bounds["strict_min" if kw == "min_value" else "strict_max"] = True
    return bounds


def _type_rules(col: str, lt: str, opts: dict[str, Any], where: str) -> list[Rule]:
    """What the logical type itself demands of the values."""
    if lt == "date":
        fmt = opts.get("format", "yyyy-MM-dd")
        if fmt != "yyyy-MM-dd":
            raise ContractError(f"{where}: date format {fmt!r} is not supported (use yyyy-MM-dd)")
        return [
            _row_rule(
                col,
                "format",
                f"{col} must be a real date YYYY-MM-DD",
                "expect_column_values_to_not_be_null",
                text_only=True,
                derive="date",
            )
        ]
    if lt == "timestamp":
        return [
            _row_rule(
                col,
                "format",
                f"{col} must be an ISO 8601 timestamp",
                "expect_column_values_to_match_regex",
                regex=_ISO_TIMESTAMP,
                text_only=True,
            ),
            _row_rule(
                col,
                "calendar",
                f"{col} must name a real date and time",
                "expect_column_values_to_not_be_null",
                text_only=True,
                derive="instant",
            ),
        ]
    if lt in ("number", "integer"):
        rules = [
            _row_rule(
                col,
                "number",
                f"{col} must be a plain {lt} ('.' decimal point)",
                "expect_column_values_to_match_regex",
                regex=_DECIMAL if lt == "number" else _INTEGER,
                text_only=True,
            )
        ]
        bounds = _bounds(opts)
        if bounds:
            rules.append(
                _row_rule(
                    col,
                    "range",
                    f"{col} must lie in {_describe_bounds(bounds)}",
                    "expect_column_values_to_be_between",
                    derive="numeric",
                    **bounds,
                )
            )
        return rules
    if lt == "boolean":
        return [
            _row_rule(
                col,
                "boolean",
                f"{col} must be true or false",
                "expect_column_values_to_be_in_set",
                # A raw file's text column (a JSON boolean read as text) says true or false in words.
                value_set=[True, False, "true", "false"],
            )
        ]
    return []


# The Arrow type of a leaf of a nested value, by its logical type.
_LEAF_TYPES: dict[str, pa.DataType] = {
    "string": pa.large_string(),
    "date": pa.large_string(),
    "timestamp": pa.large_string(),
    "number": pa.float64(),
    "integer": pa.int64(),
    "boolean": pa.bool_(),
}


def nested_shape(p: SchemaProperty, where: str) -> pa.DataType:
    """The Arrow type an ODCS property declares: `array` with `items`, `object` with `properties`
    (in order), down to string, number, integer and boolean leaves."""
    lt = (p.logicalType or "string").lower()
    if lt == "array":
        if p.items is None:
            raise ContractError(f"{where}: an array needs `items`")
        return pa.large_list(nested_shape(p.items, f"{where}[]"))
    if lt == "object":
        if not p.properties:
            raise ContractError(f"{where}: an object needs `properties`")
        fields = []
        for i, child in enumerate(p.properties):
            if not child.name:
                raise ContractError(f"{where} properties[{i}]: every property needs a name")
            fields.append(pa.field(child.name, nested_shape(child, f"{where}.{child.name}"), not child.required))
        return pa.struct(fields)
    if lt not in _LEAF_TYPES:
        raise ContractError(f"{where}: logicalType {lt!r} cannot be a nested value's leaf")
    return _LEAF_TYPES[lt]


def _nested_rules(p: SchemaProperty, col: str, lt: str, where: str) -> list[Rule]:
    """A nested column: its shape, and its presence when required; nothing else applies to it."""
    unsupported = [
        name
        for name, given in (
            ("logicalTypeOptions", p.logicalTypeOptions),
            ("enum", p.enum),
            ("unique", p.unique),
            ("quality", p.quality),
        )
        if given
    ]
    if unsupported:
        raise ContractError(f"{where}: a nested ({lt}) column takes no {', '.join(unsupported)}")
    shape = nested_shape(p, where)
    described = f"{col} must hold values of the {lt} shape the contract declares"
    rules = [Rule(f"{col}.type", Severity.ERROR, Scope.DATASET, described, col, own=OwnCheck.TYPE, shape=shape)]
    if p.required:
        rules.append(Rule(f"{col}.required", Severity.ERROR, Scope.ROW, f"{col} must be present", col,
                          own=OwnCheck.PRESENT))  # fmt: skip
    return rules


def _is_nested(p: SchemaProperty) -> bool:
    """A nested column: an `array` that declares its `items`, an `object` that declares its `properties`."""
    lt = (p.logicalType or "string").lower()
    return (lt == "array" and p.items is not None) or (lt == "object" and bool(p.properties))


def _property_rules(p: SchemaProperty, where: str) -> list[Rule]:
    col = p.name or ""
    lt = (p.logicalType or "string").lower()
    if _is_nested(p):
        return _nested_rules(p, col, lt, where)
    opts = dict(p.logicalTypeOptions or {})
    rules: list[Rule] = []
    if p.required:
        rules.append(_row_rule(col, "required", f"{col} must be present", "expect_column_values_to_not_be_null"))
    rules.extend(_type_rules(col, lt, opts, where))
    if "pattern" in opts:
        rules.append(
            _row_rule(
                col,
                "pattern",
                f"{col} must match {opts['pattern']}",
                "expect_column_values_to_match_regex",
                regex=str(opts["pattern"]),
            )
        )
    if "minLength" in opts or "maxLength" in opts:
        rules.append(
            _row_rule(
                col,
                "length",
                f"{col} length must be within bounds",
                "expect_column_value_lengths_to_be_between",
                min_value=opts.get("minLength"),
                max_value=opts.get("maxLength"),
            )
        )
    if p.enum:
        values = [e.value for e in p.enum]
        separator = _custom(p.customProperties).get("separator")
        if separator is None:
            rule = _row_rule(
                col,
                "allowed_values",
                f"{col} must be one of {values}",
                "expect_column_values_to_be_in_set",
                value_set=values,
            )
        elif isinstance(separator, str) and separator:
            # A cell of several values, each one of the list (a list's reason codes: `a;b`).
            one = "(?:" + "|".join(re.escape(str(v)) for v in values) + ")"
            rule = _row_rule(
                col,
                "allowed_values",
                f"{col} must be values of {values} joined with {separator!r}",
                "expect_column_values_to_match_regex",
                regex=f"^{one}(?:{re.escape(separator)}{one})*$",
            )
        else:
            raise ContractError(f"{where}: the separator of {col}'s values must be a non-empty string")
        rules.append(rule)
    if p.unique:
        rules.append(_row_rule(col, "unique", f"{col} must be unique", "expect_column_values_to_be_unique"))
    rules.extend(_quality_rules(p.quality, col, where))
    return rules


def _describe_bounds(b: dict[str, Any]) -> str:
    lo = ("(" if b.get("strict_min") else "[") + (str(b["min_value"]) if "min_value" in b else "-inf")
    hi = (str(b["max_value"]) if "max_value" in b else "inf") + (")" if b.get("strict_max") else "]")
    return f"{lo}, {hi}"


def _schema_object(model: OpenDataContractStandard, where: str, name: str | None) -> SchemaObject:
    """The contract's schema object `name`, or its first one (a published list has its snapshot first)."""
    objects = model.schema_ or []
    if not objects:
        raise ContractError(f"{where}: the contract describes no dataset (empty schema)")
    if name is None:
        return objects[0]
    for obj in objects:
        if obj.name == name:
            return obj
    raise ContractError(f"{where}: no schema object named {name!r} (has {[o.name for o in objects]})")


def _read_model(text: str, source: str) -> OpenDataContractStandard:
    try:
        model = OpenDataContractStandard.from_string(text)
    except yaml.YAMLError as exc:
        raise ContractError(f"{source}: not valid YAML: {exc}") from exc
    except (ValidationError, TypeError) as exc:
        raise ContractError(f"{source}: not an ODCS v3 contract: {exc}") from exc
    if not (model.apiVersion or "").startswith("v3."):
        raise ContractError(f"{source}: apiVersion must be ODCS v3.x, not {model.apiVersion!r}")
    if model.kind != "DataContract":
        raise ContractError(f"{source}: kind must be DataContract")
    if not model.name:
        raise ContractError(f"{source}: the contract needs a name")
    return model


def _column(p: SchemaProperty, seen: list[Column], where: str) -> Column:
    if not p.name:
        raise ContractError(f"{where}: every property needs a name")
    if p.name in {c.name for c in seen}:
        raise ContractError(f"{where}: property listed twice")
    lt = (p.logicalType or "string").lower()
    if (p.properties or p.items) and not _is_nested(p):
        raise ContractError(f"{where}: only `array` (items) and `object` (properties) columns are nested")
    return Column(
        name=p.name,
        logical_type=lt,
        required=bool(p.required),
        description=p.description or "",
        synonyms=tuple(s.synonym for s in p.synonyms or [] if s.synonym),
        shape=nested_shape(p, where) if _is_nested(p) else None,
    )


def _key_rule(key: tuple[str, ...]) -> Rule:
    kw: dict[str, Any]
    if len(key) == 1:
        exp, kw = "expect_column_values_to_be_unique", {"column": key[0]}
    else:
        exp, kw = "expect_compound_columns_to_be_unique", {"column_list": list(key)}
    return Rule("key.unique", Severity.ERROR, Scope.ROW, f"one row per {', '.join(key)}", None, exp, kw)


def parse_contract(text: str, source: str, schema_object: str | None = None, *, name: str | None = None) -> Contract:
    """A contract from its YAML text; `source` names it in error messages. A contract describing several
    datasets (a list snapshot and its delta) yields the one named `schema_object`, else the first."""
    model = _read_model(text, source)
    obj = _schema_object(model, source, schema_object)
    columns: list[Column] = []
    rules: list[Rule] = []
    keyed: list[tuple[int, str]] = []
    for i, p in enumerate(obj.properties or []):
        where = f"{source} property {p.name or i}"
        columns.append(_column(p, columns, where))
        rules.extend(_property_rules(p, where))
        if p.primaryKey:
            position = p.primaryKeyPosition if p.primaryKeyPosition and p.primaryKeyPosition > 0 else 10_000 + i
            keyed.append((position, columns[-1].name))
    key = tuple(name for _, name in sorted(keyed))
    if key:
        rules.append(_key_rule(key))
    rules.extend(_quality_rules(obj.quality, None, f"{source} schema"))
    ids = [r.id for r in rules]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ContractError(f"{source}: rule ids must be unique, repeated: {', '.join(repeated)}")
    custom = _custom(obj.customProperties)
    share = custom.get("maxQuarantineShare")
    if share is not None and not (isinstance(share, int | float) and 0 <= share <= 1):
        raise ContractError(f"{source}: maxQuarantineShare must be a number in [0, 1]")
    history = custom.get("historyKey") or []
    if not isinstance(history, list) or any(h not in {c.name for c in columns} for h in history):
        raise ContractError(f"{source}: historyKey must list columns of the contract")
    return Contract(
        name=name or str(model.name),
        version=model.version or "",
        dataset=obj.name or str(model.name),
        columns=tuple(columns),
        key=key,
        rules=tuple(rules),
        max_quarantine_share=float(share) if share is not None else None,
        history_key=tuple(history),
        source=source,
        model=model,
    )


@functools.cache
def load_contract(name: str, directory: Path = CONTRACTS_DIR, schema_object: str | None = None) -> Contract:
    """The contract `<directory>/<name>.yaml` (cached per process: contracts do not change during a run)."""
    path = directory / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError(f"{path}: cannot read the data contract: {exc.strerror}") from exc
    # A contract is known by its file name (datasets.py's `contract`), whatever its display name says.
    return parse_contract(text, str(path), schema_object, name=name)


def contract_names(directory: Path = CONTRACTS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))
