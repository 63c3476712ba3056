"""Metadata filters in Chroma's `where` syntax, checked once and evaluated over a document's front-matter metadata."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

COMPARISONS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")
LOGICAL = ("$and", "$or")
MAX_DEPTH = 32  # nested $and/$or levels; deeper is refused rather than recursed into


class InvalidFilter(ValueError):
    """A `where` filter that is not valid Chroma syntax; the message names the offending part."""


def check_where(where: Any, path: str = "where", depth: int = 0) -> None:
    """Raise InvalidFilter unless `where` is a filter: {field: value}, {field: {"$op": value}}, or
    {"$and" | "$or": [filter, ...]}. Several keys in one object mean all of them (an implicit $and)."""
    if depth > MAX_DEPTH:
        raise InvalidFilter(f"{path}: filters may nest at most {MAX_DEPTH} levels deep.")
    if not isinstance(where, Mapping) or not where:
        raise InvalidFilter(f"{path}: must be a non-empty object such as {{\"year\": {{\"$gte\": 2024}}}}.")
    for key, value in where.items():
        if key in LOGICAL:
            if not isinstance(value, list) or not value:
                raise InvalidFilter(f"{path}.{key}: must be a non-empty list of filters.")
            for i, part in enumerate(value):
                check_where(part, f"{path}.{key}[{i}]", depth + 1)
        elif not isinstance(key, str) or key.startswith("$"):
            raise InvalidFilter(f"{path}: unknown operator {key!r}; use one of {', '.join(LOGICAL)} or a field name.")
        elif isinstance(value, Mapping):
            _check_condition(value, f"{path}.{key}")
        elif not _is_scalar(value):
            raise InvalidFilter(f"{path}.{key}: a value must be text, a number or true/false (or an operator object).")


def _check_condition(condition: Mapping[str, Any], path: str) -> None:
    if len(condition) != 1:
        raise InvalidFilter(f"{path}: an operator object holds exactly one operator, such as {{\"$eq\": \"de\"}}.")
    (op, operand), = condition.items()
    if op not in COMPARISONS:
        raise InvalidFilter(f"{path}: unknown operator {op!r}; valid: {', '.join(COMPARISONS)}.")
    if op in ("$in", "$nin"):
        if not isinstance(operand, list) or not operand or not all(_is_scalar(v) for v in operand):
            raise InvalidFilter(f"{path}.{op}: needs a non-empty list of texts, numbers or true/false.")
    elif op in ("$gt", "$gte", "$lt", "$lte"):
        if isinstance(operand, bool) or not isinstance(operand, int | float | str):
            raise InvalidFilter(f"{path}.{op}: needs a number (or a text such as an ISO date).")
    elif not _is_scalar(operand):
        raise InvalidFilter(f"{path}.{op}: needs a text, a number or true/false.")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and value is not None


def matches(where: Mapping[str, Any], metadata: Mapping[str, Any]) -> bool:
    """Whether a document's metadata passes a checked filter. A document without the field passes no condition on
    it ($ne and $nin included, as in Chroma). A list value (front-matter `tags: [a, b]`) matches $eq/$in when one
    of its items does, and $ne/$nin when none does."""
    for key, value in where.items():
        if key == "$and":
            ok = all(matches(part, metadata) for part in value)
        elif key == "$or":
            ok = any(matches(part, metadata) for part in value)
        elif key not in metadata or metadata[key] is None:
            ok = False
        elif isinstance(value, Mapping):
            (op, operand), = value.items()
            ok = _compare(op, metadata[key], operand)
        else:
            ok = _compare("$eq", metadata[key], value)
        if not ok:
            return False
    return True


def _compare(op: str, actual: Any, operand: Any) -> bool:
    items = actual if isinstance(actual, list) else [actual]
    if op == "$eq":
        return any(_same(a, operand) for a in items)
    if op == "$ne":
        return not any(_same(a, operand) for a in items)
    if op == "$in":
        return any(_same(a, o) for a in items for o in operand)
    if op == "$nin":
        return not any(_same(a, o) for a in items for o in operand)
    return any(_ordered(op, a, operand) for a in items)


def _same(a: Any, b: Any) -> bool:
    """Equal and of one kind: true is not 1, and 1 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def _ordered(op: str, a: Any, b: Any) -> bool:
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
    if not numbers and not (isinstance(a, str) and isinstance(b, str)):
        return False  # a number against a text (or a list, a date object …) is never in order
    if op == "$gt":
        return bool(a > b)
    if op == "$gte":
        return bool(a >= b)
    if op == "$lt":
        return bool(a < b)
    return bool(a <= b)
