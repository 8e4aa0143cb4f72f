"""Routing decisions as stored: a compact form (version 2) that every reader expands back
to the explanation the router produced (domain/routing/strategy.explain).

The explanation repeats itself: the chosen candidate is also the first of the kept
alternatives, and every candidate and shipment spells out the same keys. Stored, a
candidate is an array in `CANDIDATE_KEYS` order (its shipments arrays in `SHIPMENT_KEYS`
order), `chosen` is the index of the kept candidate it equals, the excluded sites are
grouped by reason, and top-level keys holding their empty default are left out. Anything
that does not fit the shape (a candidate with other keys, a chosen plan not among those
kept) is stored as it is, so the round trip is exact. Rows written before (no "v" key)
are read as they are: old databases need no migration."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

VERSION = 2
CANDIDATE_KEYS = ("sites", "total", "shipping", "handling", "split_penalty", "late_penalty",
                  "bonus", "promised", "shipments")
SHIPMENT_KEYS = ("site", "service", "picks", "weight_kg", "shipping", "handling", "ships",
                 "arrives")
# Top-level keys left out when they hold exactly this value (restored on reading).
EMPTY: dict[str, Any] = {"excluded": {}, "rules_matched": [], "notes": [],
                         "promise_warning": "", "reason": "", "candidates_pruned": 0}
_CANDIDATE_SET = frozenset(CANDIDATE_KEYS)
_SHIPMENT_SET = frozenset(SHIPMENT_KEYS)


_candidate_values = itemgetter(*CANDIDATE_KEYS[:-1])  # in key order, as one tuple
_shipment_values = itemgetter(*SHIPMENT_KEYS)


def _pack_candidate(c: Any) -> Any:
    if not isinstance(c, dict) or c.keys() != _CANDIDATE_SET:
        return c
    ships = c["shipments"]
    if not isinstance(ships, list):
        return c
    for s in ships:
        if not isinstance(s, dict) or s.keys() != _SHIPMENT_SET:
            return c
    return [*_candidate_values(c), [list(_shipment_values(s)) for s in ships]]


def _unpack_candidate(c: Any) -> Any:
    if not isinstance(c, list):
        return c
    out = dict(zip(CANDIDATE_KEYS[:-1], c, strict=False))
    out["shipments"] = [dict(zip(SHIPMENT_KEYS, s, strict=True)) for s in c[-1]]
    return out


def _group_excluded(excluded: Any) -> Any:
    """{site: why} as [[why, [sites]], ...]: most sites are left out for the same reason."""
    if not isinstance(excluded, dict) or not all(isinstance(v, str)
                                                  for v in excluded.values()):
        return excluded
    by_reason: dict[str, list[str]] = {}
    for site, why in excluded.items():
        by_reason.setdefault(why, []).append(site)
    return [[why, sites] for why, sites in by_reason.items()]


def _ungroup_excluded(excluded: Any) -> Any:
    if not isinstance(excluded, list):
        return excluded
    return {site: why for why, sites in excluded for site in sites}


def compact_decision(doc: dict[str, Any]) -> dict[str, Any]:
    """The stored form of an explanation (see the module's docstring)."""
    if "v" in doc:  # not an explanation of the shape this knows: keep it whole
        return doc
    out: dict[str, Any] = {"v": VERSION}
    omit = EMPTY.keys() <= doc.keys()  # an explanation of the usual shape
    if not omit:
        out["x"] = 1  # nothing left out: nothing to restore
    for k, v in doc.items():
        if k in ("chosen", "candidates") or (omit and k in EMPTY and v == EMPTY[k]
                                             and type(v) is type(EMPTY[k])):
            continue
        out[k] = _group_excluded(v) if k == "excluded" else v
    candidates = doc.get("candidates")
    chosen = doc.get("chosen")
    if isinstance(candidates, list):
        out["candidates"] = [_pack_candidate(c) for c in candidates]
    elif "candidates" in doc:
        out["candidates"] = candidates
    if "chosen" in doc:
        # The first candidate equal to the chosen plan. The router puts the chosen plan's
        # very view among them (nearly always first): found by identity, only the ones
        # before it are compared by value.
        at = None
        if chosen is not None:
            kept = candidates if isinstance(candidates, list) else list(candidates or [])
            same = next((i for i, c in enumerate(kept) if c is chosen), len(kept))
            at = next((i for i, c in enumerate(kept[:same]) if c == chosen), None)
            if at is None and same < len(kept):
                at = same
        out["chosen"] = {"i": at} if at is not None else {"c": _pack_candidate(chosen)}
    return out


def expand_decision(doc: dict[str, Any] | None) -> dict[str, Any]:
    """The explanation from its stored form, old (as it is) or compact."""
    if not doc:
        return {}
    if doc.get("v") != VERSION:
        return doc
    out: dict[str, Any] = {}
    candidates = doc.get("candidates")
    expanded = [_unpack_candidate(c) for c in candidates] if isinstance(candidates, list) \
        else candidates
    for k, v in doc.items():
        if k in ("v", "x"):
            continue
        if k == "chosen":
            out[k] = (expanded[v["i"]] if "i" in v and isinstance(expanded, list)
                      else _unpack_candidate(v.get("c")))
        elif k == "candidates":
            out[k] = expanded
        elif k == "excluded":
            out[k] = _ungroup_excluded(v)
        else:
            out[k] = v
    if "x" not in doc:
        for k, v in EMPTY.items():
            if k not in out:
                out[k] = type(v)() if isinstance(v, dict | list) else v
    return out
