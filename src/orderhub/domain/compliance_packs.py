"""Compliance packs: prebuilt, versioned rules per destination country (restricted and
prohibited goods, declared-value limits, required identifiers, HS codes), shipped as data
(`orderhub/rules_packs/compliance/<CC>.json`). Each rule of a pack is an ordinary
validation check (domain/rules/compliance.py: value_cap, identifier_required,
hs_code_required, restricted_goods) and cites its public source; enabling a pack drafts its
rules as a rule set (sandbox, canary, activation as any set). A tenant overrides a pack
rule (switches it off, or changes a parameter such as a limit) with a reason; overrides
are kept across pack versions, and an upgrade shows what the new version changes. Pure:
reading the shipped files is the only I/O.

    {"country": "CN", "version": "2026.12.1", "name": ..., "name_zh": ..., "notes": [...],
     "rules": [{"code": "pack.CN.single-limit", "description": ..., "description_zh": ...,
                "then": {"check": "value_cap", "params": {...}},
                "source": {"title": ..., "url": ..., "read_on": "2026-12-07"}}]}
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.rules.model import parse_rule
from orderhub.domain.rules.validation import param_errors

PACKAGE = "orderhub.rules_packs.compliance"
FIXED_PARAMS = ("countries", "source")  # what makes the rule the pack's: not overridable
COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class PackRule:
    code: str
    description: str
    description_zh: str
    check: str
    params: Mapping[str, Any]  # as the pack ships them (with the source and pack version)
    source: Mapping[str, str]
    enabled: bool = True

    def doc(self, *, enabled: bool | None = None,
            params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ordinary rule document (what a rule set holds)."""
        return {"code": self.code, "description": self.description, "when": {},
                "then": {"check": self.check, "params": dict(params or self.params)},
                "enabled": self.enabled if enabled is None else enabled}


@dataclass(frozen=True)
class Pack:
    country: str
    name: str
    name_zh: str
    version: str
    compiled_on: str
    rules: tuple[PackRule, ...]
    notes: tuple[str, ...] = ()

    def rule(self, code: str) -> PackRule | None:
        return next((r for r in self.rules if r.code == code), None)

    def summary(self) -> dict[str, Any]:
        return {"country": self.country, "name": self.name, "name_zh": self.name_zh,
                "version": self.version, "compiled_on": self.compiled_on,
                "rules": len(self.rules)}


def parse_pack(data: Mapping[str, Any], *, expect: str = "") -> Pack:
    """A pack from its file; every rule must parse as an ordinary rule, be a check scoped to
    the pack's country, carry a code `pack.<CC>.<name>` and cite a source (title, https
    URL, the date it was read)."""
    errors: list[FieldError] = []
    country = str(data.get("country", ""))
    if not COUNTRY.fullmatch(country) or (expect and country != expect):
        errors.append(FieldError("country", f"an ISO country code{' ' + expect if expect else ''}"))
    version = str(data.get("version", ""))
    if not re.fullmatch(r"\d{4}\.\d{1,2}\.\d{1,3}", version):
        errors.append(FieldError("version", "YYYY.MM.N"))
    for key in ("name", "name_zh", "compiled_on"):
        if not isinstance(data.get(key), str) or not data[key]:
            errors.append(FieldError(key, "required text"))
    rules: list[PackRule] = []
    docs = data.get("rules")
    if not isinstance(docs, list) or not docs:
        errors.append(FieldError("rules", "a non-empty list"))
        docs = []
    for i, d in enumerate(docs):
        loc = f"rules.{i}"
        src = d.get("source") if isinstance(d, Mapping) else None
        if not (isinstance(src, Mapping) and src.get("title")
                and str(src.get("url", "")).startswith(("https://", "http://"))
                and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(src.get("read_on", "")))):
            errors.append(FieldError(f"{loc}.source", "{title, url, read_on: YYYY-MM-DD}"))
            continue
        then = d.get("then") or {}
        params = {**dict(then.get("params") or {}),
                  "source": {**{k: str(v) for k, v in src.items()},
                             "pack": f"{country} {version}"}}
        code = str(d.get("code", ""))
        if not code.startswith(f"pack.{country}."):
            errors.append(FieldError(f"{loc}.code", f"pack.{country}.<name>"))
        if country not in params.get("countries", []):
            errors.append(FieldError(f"{loc}.then.params.countries", f"includes {country}"))
        rule = PackRule(code, str(d.get("description", "")), str(d.get("description_zh", "")),
                        str(then.get("check", "")), params, dict(src),
                        bool(d.get("enabled", True)))
        try:
            parsed = parse_rule(rule.doc(), loc=loc)
        except InvalidInput as exc:
            errors.extend(exc.errors)
            continue
        if not parsed.is_check:
            errors.append(FieldError(f"{loc}.then.check", "a pack rule is a validation check "
                                     "(a set of checks leaves the routing rules alone)"))
        if not rule.description_zh:
            errors.append(FieldError(f"{loc}.description_zh", "required text"))
        rules.append(rule)
    codes = [r.code for r in rules]
    if len(codes) != len(set(codes)):
        errors.append(FieldError("rules", "codes must be unique"))
    if errors:
        raise InvalidInput(errors)
    return Pack(country, str(data["name"]), str(data["name_zh"]), version,
                str(data["compiled_on"]), tuple(rules), tuple(map(str, data.get("notes", []))))


@cache
def available() -> tuple[str, ...]:
    """The countries a pack ships for."""
    return tuple(sorted(p.name.removesuffix(".json")
                        for p in resources.files(PACKAGE).iterdir()
                        if p.name.endswith(".json")))


@cache
def load_pack(country: str) -> Pack:
    """The shipped pack of `country` (ISO code, any case); NotFound when none ships."""
    cc = country.strip().upper()
    if cc not in available():
        raise NotFound(f"no compliance pack for country '{country[:8]}'; packs: "
                       f"{', '.join(available())}")
    data = json.loads(resources.files(PACKAGE).joinpath(f"{cc}.json").read_text("utf-8"))
    return parse_pack(data, expect=cc)


# ----- a tenant's overrides -------------------------------------------------------------------

@dataclass(frozen=True)
class Override:
    """A tenant's change to one pack rule: switched on/off, and/or some parameters
    replaced; who, when, why."""

    code: str
    reason: str
    actor: str
    at: datetime
    enabled: bool | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def doc(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "reason": self.reason, "actor": self.actor,
                               "at": self.at.isoformat()}
        if self.enabled is not None:
            out["enabled"] = self.enabled
        if self.params:
            out["params"] = dict(self.params)
        return out

    @staticmethod
    def from_doc(doc: Mapping[str, Any]) -> Override:
        return Override(str(doc["code"]), str(doc["reason"]), str(doc["actor"]),
                        datetime.fromisoformat(str(doc["at"])), doc.get("enabled"),
                        dict(doc.get("params") or {}))


def parse_override(pack: Pack, doc: Mapping[str, Any], *, actor: str, at: datetime
                   ) -> Override:
    """An override as a request gives it: {rule, enabled?, params?, reason}; every problem
    is a field error (unknown rule, a parameter the rule does not have or that makes it
    the pack's, a value its check refuses, no reason, nothing changed)."""
    errors: list[FieldError] = []
    for key in doc:
        if key not in ("rule", "enabled", "params", "reason"):
            errors.append(FieldError(key, "unknown field; known: rule, enabled, params, reason"))
    code = doc.get("rule")
    rule = pack.rule(code) if isinstance(code, str) else None
    if rule is None:
        errors.append(FieldError("rule", f"not a rule of the {pack.country} pack; its rules: "
                                 f"{', '.join(r.code for r in pack.rules)}"))
    enabled = doc.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        errors.append(FieldError("enabled", "true or false"))
    params = doc.get("params")
    if params is not None and not isinstance(params, Mapping):
        errors.append(FieldError("params", "an object of the rule's parameters to change"))
        params = None
    reason = doc.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        errors.append(FieldError("reason", "say why the pack rule is overridden (audited), "
                                 "at most 500 characters"))
    if enabled is None and not params:
        errors.append(FieldError("params", "give enabled or params: an override changes "
                                 "something"))
    if rule is not None and params:
        for key in params:
            if key in FIXED_PARAMS:
                errors.append(FieldError(f"params.{key}", "fixed by the pack: the rule's "
                                         "countries and source are what make it the pack's"))
        merged = {**rule.params, **{k: v for k, v in params.items()
                                    if k not in FIXED_PARAMS}}
        errors.extend(e for e in param_errors(rule.check, merged, "params")
                      if e.loc.split(".")[1] in params)
    if errors:
        raise InvalidInput(errors)
    assert rule is not None and isinstance(reason, str)
    return Override(rule.code, reason.strip(), actor, at, enabled, dict(params or {}))


def merge_override(overrides: Sequence[Override], new: Override) -> list[Override]:
    """The tenant's overrides with `new` in place of an earlier one of the same rule
    (its parameters added to the earlier ones)."""
    out, merged = [], new
    for o in overrides:
        if o.code == new.code:
            merged = Override(new.code, new.reason, new.actor, new.at,
                              new.enabled if new.enabled is not None else o.enabled,
                              {**o.params, **new.params})
        else:
            out.append(o)
    return [*out, merged]


def effective_docs(pack: Pack, overrides: Sequence[Override], *, enabled: bool = True
                   ) -> list[dict[str, Any]]:
    """The pack's rules as rule documents with the tenant's overrides applied (all switched
    off when the pack is being disabled). Overrides of rules the pack no longer has are
    left out (`stale_overrides` names them)."""
    by_code = {o.code: o for o in overrides}
    docs = []
    for r in pack.rules:
        o = by_code.get(r.code)
        on = (o.enabled if o is not None and o.enabled is not None else r.enabled) and enabled
        params = {**r.params, **(o.params if o is not None else {})}
        docs.append(r.doc(enabled=on, params=params))
    return docs


def stale_overrides(pack: Pack, overrides: Sequence[Override]) -> list[str]:
    return [o.code for o in overrides if pack.rule(o.code) is None]


def diff_docs(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
              ) -> dict[str, Any]:
    """What a new pack version changes: rules added, removed, and changed (each field of
    `then.params`, `description` and `enabled`, before and after)."""
    a = {d["code"]: d for d in before}
    b = {d["code"]: d for d in after}
    changed: dict[str, Any] = {}
    for code in sorted(set(a) & set(b)):
        fields: dict[str, Any] = {}
        pa, pb = a[code]["then"].get("params", {}), b[code]["then"].get("params", {})
        for k in sorted(set(pa) | set(pb)):
            if pa.get(k) != pb.get(k):
                fields[f"params.{k}"] = {"before": pa.get(k), "after": pb.get(k)}
        for k in ("description", "enabled"):
            if a[code].get(k) != b[code].get(k):
                fields[k] = {"before": a[code].get(k), "after": b[code].get(k)}
        if fields:
            changed[code] = fields
    return {"added": sorted(set(b) - set(a)), "removed": sorted(set(a) - set(b)),
            "changed": changed}
