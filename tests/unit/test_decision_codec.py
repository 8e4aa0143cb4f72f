"""The compact stored form of routing decisions reads back as the explanation written."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from orderhub.adapters.db.decision_codec import compact_decision, expand_decision


def _candidate(site: str, total: str) -> dict[str, Any]:
    return {"sites": [site], "total": total, "shipping": "5.00", "handling": "2.55",
            "split_penalty": "0.00", "late_penalty": "0.00", "bonus": "0.00",
            "promised": "2026-12-08",
            "shipments": [{"site": site, "service": "ZTO:standard", "picks": {"SKU-1": 3},
                           "weight_kg": "0.6", "shipping": "5.00", "handling": "2.55",
                           "ships": "2026-12-07", "arrives": "2026-12-08"}]}


def _explanation(**over: Any) -> dict[str, Any]:
    a, b = _candidate("GZ-HP", "7.55"), _candidate("SH-JD", "9.10")
    doc = {"strategy": "routing-v2", "model_version": "routing-v2/abc", "chosen": a,
           "candidates": [a, b], "candidates_considered": 2, "candidates_pruned": 0,
           "excluded": {"CD-SL": "holds none of the order's SKUs",
                        "WH-DX": "holds none of the order's SKUs", "XA-GX": "rule R1: closed"},
           "reason": "", "rules_matched": [], "notes": [], "rule_set": "live",
           "promise_warning": "",
           "order": {"destination": "广东", "region": "south", "due": "2026-12-09",
                     "service_level": "express", "needs": [], "not_before": None}}
    doc.update(over)
    return doc


def _stored(doc: dict[str, Any]) -> dict[str, Any]:
    """Through JSON, as the database keeps it."""
    return dict(orjson.loads(orjson.dumps(compact_decision(doc))))


def test_round_trip_is_exact_and_smaller() -> None:
    doc = _explanation()
    before = copy.deepcopy(doc)
    stored = _stored(doc)
    assert expand_decision(stored) == before
    assert doc == before  # the explanation itself is left alone
    assert len(orjson.dumps(stored)) < 0.6 * len(orjson.dumps(doc))


def test_filled_optional_fields_and_notify_survive() -> None:
    doc = _explanation(rules_matched=["R1"], notes=["split"], promise_warning="late by 1 day",
                       reason="no stock", candidates_pruned=4,
                       notify=[{"rule": "R1", "version": 2, "message": "m", "to": "ops"}])
    assert expand_decision(_stored(doc)) == doc


def test_chosen_outside_the_kept_candidates_or_none() -> None:
    other = _candidate("BJ-DX", "20.00")
    doc = _explanation(chosen=other)
    assert expand_decision(_stored(doc)) == doc
    none = _explanation(chosen=None, candidates=[])
    assert expand_decision(_stored(none)) == none


def test_unusual_shapes_are_kept_whole() -> None:
    odd = _explanation(candidates=[{"sites": ["X"], "total": "1"}, _candidate("Y", "2")])
    odd["chosen"] = odd["candidates"][0]
    assert expand_decision(_stored(odd)) == odd
    partial = {"strategy": "nearest", "chosen": None}  # another strategy's explanation
    assert expand_decision(_stored(partial)) == partial
    versioned = {"v": 7, "anything": 1}  # not this codec's: stored as it is
    assert expand_decision(_stored(versioned)) == versioned


def test_rows_written_before_are_read_as_they_are() -> None:
    old = _explanation()
    assert expand_decision(copy.deepcopy(old)) == old
    assert expand_decision(None) == {}
    assert expand_decision({}) == {}
