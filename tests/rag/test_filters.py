"""Chroma's `where` syntax: checked with clear messages, evaluated over document metadata."""

from __future__ import annotations

from typing import Any

import pytest

from rag.filters import InvalidFilter, check_where, matches

DOC = {"year": 2024, "lang": "de", "tags": ["chips", "china"], "draft": False, "date": "2024-09-29", "score": 0.5}


@pytest.mark.parametrize(("where", "expected"), [
    ({"lang": "de"}, True),
    ({"lang": {"$eq": "en"}}, False),
    ({"lang": {"$ne": "en"}}, True),
    ({"year": {"$gt": 2023}}, True),
    ({"year": {"$gte": 2024}}, True),
    ({"year": {"$lt": 2024}}, False),
    ({"year": {"$lte": 2024.0}}, True),
    ({"score": {"$gt": 0.25}}, True),
    ({"lang": {"$in": ["en", "de"]}}, True),
    ({"lang": {"$nin": ["en", "de"]}}, False),
    ({"tags": "china"}, True),  # a list value matches when one of its items does
    ({"tags": {"$in": ["usa", "chips"]}}, True),
    ({"tags": {"$ne": "china"}}, False),
    ({"tags": {"$nin": ["usa"]}}, True),
    ({"draft": False}, True),
    ({"draft": 0}, False),  # false is not 0
    ({"year": "2024"}, False),  # a text is not a number
    ({"date": {"$gte": "2024-01-01"}}, True),  # ISO dates compare as texts
    ({"year": {"$gt": "2023"}}, False),  # a number is never in order with a text
    ({"missing": {"$ne": "x"}}, False),  # no field, no match ($ne included, as in Chroma)
    ({"$and": [{"lang": "de"}, {"year": {"$gte": 2024}}]}, True),
    ({"$and": [{"lang": "de"}, {"year": {"$gte": 2025}}]}, False),
    ({"$or": [{"lang": "en"}, {"year": 2024}]}, True),
    ({"$or": [{"lang": "en"}, {"year": 2023}]}, False),
    ({"lang": "de", "year": 2023}, False),  # several keys: all of them
    ({"$or": [{"$and": [{"lang": "en"}]}, {"tags": {"$in": ["china"]}}]}, True),
])
def test_operators(where: dict[str, Any], expected: bool) -> None:
    check_where(where)
    assert matches(where, DOC) is expected


def deep(where: dict[str, Any], levels: int) -> dict[str, Any]:
    for _ in range(levels):
        where = {"$or": [where]}
    return where


@pytest.mark.parametrize(("where", "words"), [
    ({}, ["non-empty object"]),
    ([], ["non-empty object"]),
    ({"$and": {"lang": "de"}}, ["$and", "list"]),
    ({"$or": []}, ["$or", "list"]),
    ({"$not": [{"lang": "de"}]}, ["unknown operator", "$not"]),
    ({"lang": {"$regex": "d.*"}}, ["where.lang", "$regex", "$eq"]),
    ({"lang": {"$eq": "de", "$ne": "en"}}, ["exactly one operator"]),
    ({"year": {"$gt": [2020]}}, ["where.year.$gt", "number"]),
    ({"year": {"$gt": True}}, ["number"]),
    ({"lang": {"$in": "de"}}, ["where.lang.$in", "list"]),
    ({"lang": {"$in": []}}, ["non-empty list"]),
    ({"lang": None}, ["where.lang"]),
    ({"lang": ["de", "en"]}, ["where.lang"]),
    ({"$and": [{"lang": "de"}, {"year": {"$between": [1, 2]}}]}, ["where.$and[1].year", "$between"]),
    (deep({"lang": "de"}, 40), ["at most 32 levels"]),
])
def test_bad_filters_say_what_is_wrong(where: Any, words: list[str]) -> None:
    with pytest.raises(InvalidFilter) as err:
        check_where(where)
    for word in words:
        assert word in str(err.value)
