"""The live rules of the one rule model (domain/rules/model.py) in the store: routing rules
and validation checks, one row per rule with its current version, every version kept in
its history table with who, when and why; and the names a tenant's rules may use.

Writes come in batches (a rule file or a rule set is up to 2,000 rules): one statement per
kind of write, never one per rule.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.domain.errors import InvalidInput
from orderhub.domain.rules.effects import RuleBook, by_priority
from orderhub.domain.rules.model import (
    RoutingRule,
    condition_doc,
    parse_rule,
    to_check,
)
from orderhub.domain.rules.validation import Level, Rule

log = logging.getLogger(__name__)
_r = t.routing_rules.c
_rh = t.routing_rule_history.c
_v = t.validation_rules.c
_vh = t.validation_rule_history.c


@dataclass(frozen=True, slots=True)
class StoredRoutingRule:
    """A routing rule's row: its document (without version and enabled) as stored."""

    code: str
    doc: dict[str, Any]
    enabled: bool
    version: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RoutingRuleVersion:
    """A routing rule's next version, to be written with its history row."""

    code: str
    doc: dict[str, Any]  # without version and enabled
    enabled: bool
    version: int
    new: bool  # no row yet: inserted, not updated


@dataclass(frozen=True, slots=True)
class RuleVersion:
    """One entry of a rule's history: the rule as it was from that version on."""

    version: int
    doc: dict[str, Any]  # routing rules: the document; checks: the check's view
    changed_by: str
    reason: str
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class CatalogueNames:
    """What a rule may name from the catalogue: sites, channels, SKUs, and the SKU facts
    (attributes set to true, categories) the catalogue uses."""

    sites: frozenset[str]
    channels: frozenset[str]
    skus: frozenset[str]
    attributes: frozenset[str]
    categories: frozenset[str]


def _scope_doc(rule: Rule) -> dict[str, Any] | None:
    return (condition_doc(rule.scope) or None) if rule.scope is not None else None


def _check(row: Any) -> Rule:
    rule = Rule(row["code"], Level(row["level"]), row["check"], dict(row["params"] or {}),
                bool(row["enabled"]), row["description"], row["version"])
    if not row["scope"]:  # the common case, read for every batch: no parsing needed
        return rule
    doc = {"code": rule.code, "description": rule.description, "when": row["scope"],
           "then": {"check": rule.check, "level": rule.level.value,
                    "params": dict(rule.params)},
           "enabled": rule.enabled}
    try:
        return to_check(parse_rule(doc, version=row["version"]))
    except InvalidInput as exc:  # validated when written; never let one stop intake
        log.error("validation rule %s v%s read without its scope: %s", row["code"],
                  row["version"], "; ".join(f"{e.loc}: {e.message}" for e in exc.errors))
        return rule


def _routing(row: Any) -> StoredRoutingRule:
    return StoredRoutingRule(row["code"], row["doc"], bool(row["enabled"]), row["version"],
                             row["updated_by"], row["updated_at"])


_UPDATE_ROUTING = (
    update(t.routing_rules)
    .where(_r.tenant_id == bindparam("b_tenant"), _r.code == bindparam("b_code"))
    .values(doc=bindparam("b_doc"), enabled=bindparam("b_enabled"),
            version=bindparam("b_version"), updated_by=bindparam("b_by"),
            updated_at=bindparam("b_at"))
)
_UPDATE_CHECK = (
    update(t.validation_rules)
    .where(_v.tenant_id == bindparam("b_tenant"), _v.code == bindparam("b_code"))
    .values(level=bindparam("b_level"), check=bindparam("b_check"),
            params=bindparam("b_params"), enabled=bindparam("b_enabled"),
            description=bindparam("b_description"), version=bindparam("b_version"),
            updated_by=bindparam("b_by"), updated_at=bindparam("b_at"),
            scope=bindparam("b_scope"))
)
_UPDATE_CHECK_STATE = (
    update(t.validation_rules)
    .where(_v.tenant_id == bindparam("b_tenant"), _v.code == bindparam("b_code"))
    .values(params=bindparam("b_params"), enabled=bindparam("b_enabled"),
            version=bindparam("b_version"), updated_by=bindparam("b_by"),
            updated_at=bindparam("b_at"))
)


class RuleRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # routing rules ------------------------------------------------------------------------
    def routing_rules(self, tenant_id: str, *, enabled_only: bool = True) -> RuleBook:
        """The rules as the router runs them, by priority; one stored before a check
        tightened and no longer parsing is left out (and logged), never stopping intake."""
        q = select(_r.doc, _r.version, _r.enabled).where(_r.tenant_id == tenant_id)
        if enabled_only:
            q = q.where(_r.enabled.is_(True))
        out: list[RoutingRule] = []
        for doc, version, enabled in self.conn.execute(q.order_by(_r.code)):
            try:
                out.append(parse_rule({**doc, "enabled": enabled}, version=version))
            except InvalidInput as exc:
                log.error("routing rule %s v%s skipped: %s", doc.get("code"), version,
                          "; ".join(f"{e.loc}: {e.message}" for e in exc.errors))
        return by_priority(out)

    def stored_routing(self, tenant_id: str, codes: Sequence[str] | None = None
                       ) -> list[StoredRoutingRule]:
        """Rows as stored, by code: all of the tenant's, or those of `codes`."""
        if codes is None:
            q = select(t.routing_rules).where(_r.tenant_id == tenant_id).order_by(_r.code)
            return [_routing(r) for r in self.conn.execute(q).mappings()]
        out: list[StoredRoutingRule] = []
        for chunk in chunks(sorted(set(codes))):
            q = select(t.routing_rules).where(_r.tenant_id == tenant_id, _r.code.in_(chunk))
            out.extend(_routing(r) for r in self.conn.execute(q.order_by(_r.code)).mappings())
        return out

    def routing_codes(self, tenant_id: str) -> set[str]:
        return {c for (c,) in self.conn.execute(select(_r.code).where(
            _r.tenant_id == tenant_id))}

    def save_routing(self, tenant_id: str, versions: Sequence[RoutingRuleVersion], *,
                     actor: str, reason: str, at: datetime) -> None:
        """Write each rule's new version and its history row (history in the given order)."""
        if not versions:
            return
        new = [v for v in versions if v.new]
        if new:
            self.conn.execute(t.routing_rules.insert(), [
                {"tenant_id": tenant_id, "code": v.code, "doc": v.doc, "enabled": v.enabled,
                 "version": v.version, "updated_by": actor, "updated_at": at} for v in new])
        changed = [v for v in versions if not v.new]
        if changed:
            self.conn.execute(_UPDATE_ROUTING, [
                {"b_tenant": tenant_id, "b_code": v.code, "b_doc": v.doc,
                 "b_enabled": v.enabled, "b_version": v.version, "b_by": actor, "b_at": at}
                for v in changed])
        self.conn.execute(t.routing_rule_history.insert(), [
            {"tenant_id": tenant_id, "code": v.code, "version": v.version,
             "doc": {**v.doc, "enabled": v.enabled}, "changed_by": actor, "reason": reason,
             "changed_at": at} for v in versions])

    def routing_history(self, tenant_id: str, code: str) -> list[RuleVersion]:
        rows = self.conn.execute(select(t.routing_rule_history).where(
            _rh.tenant_id == tenant_id, _rh.code == code).order_by(_rh.id)).mappings()
        return [RuleVersion(r["version"], r["doc"], r["changed_by"], r["reason"],
                            r["changed_at"]) for r in rows]

    # validation checks --------------------------------------------------------------------
    def checks(self, tenant_id: str) -> list[Rule]:
        """The stored checks by code (none while the tenant runs on the defaults)."""
        q = select(t.validation_rules).where(_v.tenant_id == tenant_id).order_by(_v.code)
        return [_check(r) for r in self.conn.execute(q).mappings()]

    def checks_by_code(self, tenant_id: str, codes: Sequence[str]) -> dict[str, Rule]:
        out: dict[str, Rule] = {}
        for chunk in chunks(sorted(set(codes))):
            q = select(t.validation_rules).where(_v.tenant_id == tenant_id,
                                                 _v.code.in_(chunk))
            out.update((r["code"], _check(r)) for r in self.conn.execute(q).mappings())
        return out

    def check_codes(self, tenant_id: str) -> set[str]:
        return {c for (c,) in self.conn.execute(select(_v.code).where(
            _v.tenant_id == tenant_id))}

    def has_checks(self, tenant_id: str) -> bool:
        return self.conn.execute(select(_v.code).where(_v.tenant_id == tenant_id)
                                 .limit(1)).first() is not None

    def _check_values(self, rule: Rule) -> dict[str, Any]:
        return {"level": rule.level.value, "check": rule.check, "params": dict(rule.params),
                "enabled": rule.enabled, "description": rule.description,
                "version": rule.version, "scope": _scope_doc(rule)}

    def add_checks(self, tenant_id: str, rules: Sequence[Rule], *, actor: str,
                   at: datetime) -> None:
        if rules:
            self.conn.execute(t.validation_rules.insert(), [
                {"tenant_id": tenant_id, "code": r.code, **self._check_values(r),
                 "updated_by": actor, "updated_at": at} for r in rules])

    def update_checks(self, tenant_id: str, rules: Sequence[Rule], *, actor: str,
                      at: datetime) -> None:
        """Every field of each check as given (its `version` the new one)."""
        if rules:
            self.conn.execute(_UPDATE_CHECK, [
                {"b_tenant": tenant_id, "b_code": r.code,
                 **{f"b_{k}": v for k, v in self._check_values(r).items()},
                 "b_by": actor, "b_at": at} for r in rules])

    def update_check_states(self, tenant_id: str, rules: Sequence[Rule], *, actor: str,
                            at: datetime) -> None:
        """Parameters, on/off and version of each check as given; level, check,
        description and scope stay as stored (a check that no longer parses keeps them)."""
        if rules:
            self.conn.execute(_UPDATE_CHECK_STATE, [
                {"b_tenant": tenant_id, "b_code": r.code, "b_params": dict(r.params),
                 "b_enabled": r.enabled, "b_version": r.version, "b_by": actor, "b_at": at}
                for r in rules])

    def add_check_history(self, tenant_id: str, snapshots: Sequence[Mapping[str, Any]], *,
                          actor: str, reason: str, at: datetime) -> None:
        """History rows, one per snapshot (a check's view with its `code` and `version`)."""
        if snapshots:
            self.conn.execute(t.validation_rule_history.insert(), [
                {"tenant_id": tenant_id, "code": s["code"], "version": s["version"],
                 "snapshot": dict(s), "changed_by": actor, "reason": reason,
                 "changed_at": at} for s in snapshots])

    def check_history(self, tenant_id: str, code: str) -> list[RuleVersion]:
        rows = self.conn.execute(select(t.validation_rule_history).where(
            _vh.tenant_id == tenant_id, _vh.code == code).order_by(_vh.version)).mappings()
        return [RuleVersion(r["version"], r["snapshot"], r["changed_by"], r["reason"],
                            r["changed_at"]) for r in rows]

    # names --------------------------------------------------------------------------------
    def catalogue_names(self, tenant_id: str) -> CatalogueNames:
        w, c, s = t.warehouses.c, t.channels.c, t.skus.c
        sites = frozenset(code for (code,) in self.conn.execute(
            select(w.code).where(w.tenant_id == tenant_id)))
        channels = frozenset(code for (code,) in self.conn.execute(
            select(c.code).where(c.tenant_id == tenant_id)))
        attributes: set[str] = set()
        categories: set[str] = set()
        skus: set[str] = set()
        for code, facts in self.conn.execute(select(s.code, s.attributes).where(
                s.tenant_id == tenant_id)):
            skus.add(code)
            for key, value in (facts or {}).items():
                if value is True:
                    attributes.add(key)
                elif key == "category" and isinstance(value, str):
                    categories.add(value)
        return CatalogueNames(sites, channels, frozenset(skus), frozenset(attributes),
                              frozenset(categories))
