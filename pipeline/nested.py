"""Nested values declared once, as frozen dataclasses, and the Arrow types that follow from them.

Invariants:
- A record type is a frozen dataclass whose fields are `str`, `float`, `int`, `bool`, another record
  type, `tuple[T, ...]` (a list) or `T | None` (may be missing). `arrow_type` derives its Arrow type
  (struct, `large_list`, `large_string`, `double`, `int64`, `bool`), so a column built for it and the
  declaration cannot drift; `of` reads a value back (a dict as Arrow or pandas gives it) into the record.
- `items` reads a list cell (as pandas gives an `ArrowDtype` list, or a Python list) as a list, missing
  as empty.
- `mismatch` compares a column's Arrow type with a declared one and names the first place they differ;
  string and list offsets widths are not a difference (Parquet readers may give either), field
  nullability is not compared, field order is.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin

import pyarrow as pa

if TYPE_CHECKING:
    from typing_extensions import TypeIs

T = TypeVar("T")

_LEAVES: dict[Any, pa.DataType] = {str: pa.large_string(), float: pa.float64(), int: pa.int64(), bool: pa.bool_()}


def _optional(tp: Any) -> tuple[Any, bool]:
    """(the type inside `T | None`, whether None was allowed)."""
    if get_origin(tp) in (typing.Union, types.UnionType):
        inner = [a for a in get_args(tp) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"only `T | None` unions are supported, not {tp}")
        return inner[0], True
    return tp, False


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _arrow(tp: Any) -> pa.DataType:
    inner, _ = _optional(tp)
    if inner in _LEAVES:
        return _LEAVES[inner]
    if get_origin(inner) is tuple:
        item, ellipsis = get_args(inner)
        if ellipsis is not Ellipsis:
            raise TypeError(f"lists are declared as tuple[T, ...], not {inner}")
        return pa.large_list(_arrow(item))
    if dataclasses.is_dataclass(inner) and isinstance(inner, type):
        return arrow_type(inner)
    raise TypeError(f"no Arrow type for {inner!r}")


@functools.cache
def arrow_type(cls: type) -> pa.StructType:
    """The Arrow struct type of a record type (see the module docstring)."""
    hints = _hints(cls)
    return pa.struct(
        [pa.field(f.name, _arrow(hints[f.name]), nullable=_optional(hints[f.name])[1]) for f in dataclasses.fields(cls)]
    )


def field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


_SCALARS: dict[Any, Any] = {bool: bool, float: float, int: int, str: str}


def _read(tp: Any, value: Any) -> Any:
    inner, optional = _optional(tp)
    is_list = get_origin(inner) is tuple
    if value is None and not optional and not is_list:
        raise ValueError(f"a {inner} is missing")
    if value is None:
        return () if is_list and not optional else None
    if is_list:
        (item, _) = get_args(inner)
        return tuple(_read(item, v) for v in value)
    if dataclasses.is_dataclass(inner) and isinstance(inner, type):
        return of(inner, value)
    return _SCALARS[inner](value)


def of(cls: type[T], value: Mapping[str, Any]) -> T:
    """A record from its value as Arrow's `to_pylist` or pandas' ArrowDtype gives it (dicts and lists)."""
    hints = _hints(typing.cast(Any, cls))
    # T is any dataclass: its fields, and so the arguments it takes, are known only at run time.
    made: T = cls(**{f.name: _read(hints[f.name], value.get(f.name)) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
    return made


def items(value: object) -> list[Any]:
    """A list cell (a chain, rule ids, candidates) as a list; missing (None, NaN) is empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | Mapping):
        raise TypeError(f"a list expected, {type(value).__name__} found")
    return list(value)


def _same_leaf(actual: pa.DataType, declared: pa.DataType) -> bool:
    if pa.types.is_string(declared) or pa.types.is_large_string(declared):
        return bool(pa.types.is_string(actual) or pa.types.is_large_string(actual))
    return bool(actual == declared)


def _is_list(t: pa.DataType) -> TypeIs[pa.ListType[Any] | pa.LargeListType[Any]]:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t))


def _struct_mismatch(actual: pa.StructType, declared: pa.StructType, where: str) -> str | None:
    names = [actual.field(i).name for i in range(actual.num_fields)]
    wanted = [declared.field(i).name for i in range(declared.num_fields)]
    if names != wanted:
        return f"{where or 'value'}: fields {wanted} expected, {names} found"
    for i, name in enumerate(wanted):
        found = mismatch(actual.field(i).type, declared.field(i).type, f"{where}.{name}" if where else name)
        if found:
            return found
    return None


def mismatch(actual: pa.DataType, declared: pa.DataType, where: str = "") -> str | None:
    """Where `actual` departs from `declared` (`evidence.paths[].stakes[].low: double expected, string
    found`), or None when it has the declared shape."""
    here = where or "value"
    if _is_list(declared):
        if not _is_list(actual):
            return f"{here}: a list expected, {actual} found"
        return mismatch(actual.value_type, declared.value_type, f"{where}[]")
    if pa.types.is_struct(declared):
        if not pa.types.is_struct(actual):
            return f"{here}: a struct expected, {actual} found"
        return _struct_mismatch(actual, declared, where)
    return None if _same_leaf(actual, declared) else f"{here}: {declared} expected, {actual} found"
