"""Routing rules as data: create, change (a new version each time, with who and why),
disable, list, history, export and import. The router reads the enabled ones
(uow.network); every change is a RoutingRuleChanged event."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from orderhub.adapters.db.rule_repository import RoutingRuleVersion, StoredRoutingRule
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.events import RoutingRuleChanged
from orderhub.domain.rules.language import parse_sentence
from orderhub.domain.rules.model import (
    RoutingRule,
    Vocabulary,
    is_tier_doc,
    parse_rule,
    rule_doc,
)
from orderhub.domain.rules.tables import expand_table
from orderhub.services import audit
from orderhub.services.rules import validation_rules
from orderhub.services.rules.validation_rules import Saved
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)

# Seeded with the demo data: the issue's own examples, as data.
DEMO_RULES: tuple[dict[str, Any], ...] = (
    {"code": "vip-same-day", "priority": 10,
     "description": "VIP orders only from sites that can still ship today",
     "when": {"customer_tier": ["VIP"]},
     "then": {"require_same_day": True, "waive_if_empty": True}},
    {"code": "b2b-pallets", "priority": 20,
     "description": "B2B orders of 50 units or more ship from pallet-capable sites",
     "when": {"order_type": ["b2b"], "min_units": 50},
     "then": {"require_capability": "b2b_pallet"}},
    {"code": "no-cold-chain-from-front-store", "priority": 30,
     "description": "never ship cold-chain SKUs from the Hangzhou front store",
     "when": {"sku_attribute": "cold_chain"}, "then": {"exclude_sites": ["HZ-QT"]}},
)


def vocabulary(uow: UnitOfWork, tenant_id: str) -> Vocabulary:
    """Everything a rule of this tenant may name: sites, carriers, channels, and the SKU
    attributes and categories its catalogue uses (read once per rule change)."""
    names = uow.rules.catalogue_names(tenant_id)
    services = uow.network.services(tenant_id)
    return Vocabulary(names.sites,
                      frozenset({s.code for s in services} | {s.carrier for s in services}),
                      names.channels, names.attributes, names.categories, names.skus)


def validate_rule(uow: UnitOfWork, tenant_id: str, doc: Mapping[str, Any],
                  loc: str = "", vocab: Vocabulary | None = None) -> RoutingRule:
    return parse_rule(doc, vocab or vocabulary(uow, tenant_id), loc=loc)


def _view(rule: StoredRoutingRule) -> dict[str, Any]:
    return {**rule.doc, "version": rule.version, "enabled": rule.enabled,
            "updated_by": rule.updated_by, "updated_at": rule.updated_at}


def list_rules(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [_view(r) for r in uow.rules.stored_routing(tenant_id)]


def export_rules(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    """Every live rule as one document: routing rules, validation checks and the exception
    desk's tier rules in force (kept in the tier policy, put live by a rule set), so a
    file kept in git holds the whole of what decides, and imports back unchanged."""
    from orderhub.services.rules import tiers

    with make_uow() as uow:
        rules = uow.rules.stored_routing(tenant_id)
        checks = validation_rules.check_docs(uow, tenant_id)
        tier_docs = tiers.live_tier_docs(uow, tenant_id)
    return [*({**r.doc, "enabled": r.enabled} for r in rules), *checks, *tier_docs]


def get_rule(make_uow: UowFactory, tenant_id: str, code: str) -> dict[str, Any]:
    with make_uow() as uow:
        found = uow.rules.stored_routing(tenant_id, [code])
        if not found:
            raise NotFound(f"routing rule '{code}' not found")
        return _view(found[0])


def _change(current: StoredRoutingRule | None, doc: Mapping[str, Any], enabled: bool) -> str:
    if current is None:
        return "created"
    if current.doc == doc and enabled != current.enabled:
        return "enabled" if enabled else "disabled"
    return "updated"


def _save_routing(uow: UnitOfWork, tenant_id: str, rules: Sequence[RoutingRule], *,
                  actor: str, reason: str, now: datetime) -> list[Saved]:
    """New versions of the routing rules whose content changed (codes unique), with their
    history rows and RoutingRuleChanged events; their audit entries returned in order."""
    stored = {r.code: r for r in uow.rules.stored_routing(tenant_id, [r.code for r in rules])}
    versions: list[RoutingRuleVersion] = []
    out: list[Saved] = []
    for rule in rules:
        current = stored.get(rule.code)
        doc = rule_doc(rule)
        doc.pop("version")
        enabled = doc.pop("enabled")
        if current is not None and current.doc == doc and current.enabled == enabled:
            out.append(Saved({**doc, "version": current.version, "enabled": enabled,
                              "changed": False}, None))
            continue
        version = 1 if current is None else current.version + 1
        change = _change(current, doc, enabled)
        versions.append(RoutingRuleVersion(rule.code, doc, enabled, version,
                                           new=current is None))
        uow.record(RoutingRuleChanged(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                      reason=reason, code=rule.code, version=version,
                                      enabled=enabled, change=change))
        before = {**current.doc, "enabled": current.enabled} if current is not None else {}
        after = {**doc, "enabled": enabled}
        diff = {k: {"before": before.get(k), "after": after.get(k)}
                for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
        out.append(Saved({**doc, "version": version, "enabled": enabled, "changed": True,
                          "diff": diff},
                         audit.Record(now, actor, "rule_change", f"routing-rule/{rule.code}",
                                      {"change": change, "version": version,
                                       "reason": reason, "diff": diff})))
    uow.rules.save_routing(tenant_id, versions, actor=actor, reason=reason, at=now)
    return out


def _save(uow: UnitOfWork, tenant_id: str, rules: Sequence[RoutingRule], *, actor: str,
          reason: str, now: datetime) -> list[dict[str, Any]]:
    """Save rules of both kinds (codes unique) in the caller's transaction: each changed
    one gets a new version and an audit entry, in the order given. The rules in force are
    part of the network intake reads: a change takes its lock (network_repository)."""
    tiers = [i for i, r in enumerate(rules) if r.is_tier]
    if tiers:
        raise InvalidInput([FieldError(f"rules.{i}.then.tier" if len(rules) > 1 else
                                       "then.tier", "approval tiers go live through a rule "
                                       "set (POST /v1/rules/sets: sandbox, canary, "
                                       "activation), not as a live rule") for i in tiers])
    checks = iter(validation_rules.save_checks(
        uow, tenant_id, [r for r in rules if r.is_check], actor=actor, reason=reason,
        now=now))
    routing = iter(_save_routing(uow, tenant_id, [r for r in rules if not r.is_check],
                                 actor=actor, reason=reason, now=now))
    saved = [next(checks if r.is_check else routing) for r in rules]
    if any(s.entry is not None for s in saved):  # something changed
        uow.network.bump(tenant_id)
    uow.audit.add(tenant_id, [s.entry for s in saved if s.entry is not None])
    return [s.view for s in saved]


def rule_from_text(make_uow: UowFactory, tenant_id: str, text: str,
                   code: str | None = None) -> dict[str, Any]:
    """The rule a controlled sentence describes, checked against the tenant's sites,
    carriers, channels and catalogue, for review; nothing is saved."""
    parsed = parse_sentence(text)
    if parsed.not_understood or parsed.conflicts:
        raise InvalidInput([FieldError("text", f"not understood: '{part}'")
                            for part in parsed.not_understood]
                           + [FieldError("text", c) for c in parsed.conflicts]
                           + [FieldError("text", "write 'when <condition> [and ...], <action>'"
                                         " or '当<条件>[且...]时，<动作>'; "
                                         "see GET /v1/routing/rules/phrases")])
    code = code or "rule-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    doc = parsed.rule(code, text[:500])
    with make_uow() as uow:
        rule = validate_rule(uow, tenant_id, doc)
    out = rule_doc(rule)
    out.pop("version")
    return {"rule": out, "language": parsed.language}


def put_rule(make_uow: UowFactory, tenant_id: str, doc: Mapping[str, Any], *, actor: str,
             reason: str, now: datetime) -> dict[str, Any]:
    """Create the rule or make its new version; unchanged content changes nothing."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the rule changes")])
    with make_uow() as uow:
        rule = validate_rule(uow, tenant_id, doc)
        clash = kind_clash(uow, tenant_id, rule)
        if clash:
            raise InvalidInput([FieldError("code", clash)])
        out = _save(uow, tenant_id, [rule], actor=actor, reason=reason, now=now)[0]
        uow.commit()
        return out


def set_enabled(make_uow: UowFactory, tenant_id: str, code: str, enabled: bool, *,
                actor: str, reason: str, now: datetime) -> dict[str, Any]:
    doc = get_rule(make_uow, tenant_id, code)
    for key in ("version", "updated_by", "updated_at"):
        doc.pop(key)
    return put_rule(make_uow, tenant_id, {**doc, "enabled": enabled}, actor=actor,
                    reason=reason, now=now)


def history(make_uow: UowFactory, tenant_id: str, code: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        found = uow.rules.routing_history(tenant_id, code)
        if not found:
            raise NotFound(f"routing rule '{code}' not found")
        return [{"version": h.version, "rule": h.doc, "changed_by": h.changed_by,
                 "reason": h.reason, "changed_at": h.changed_at} for h in found]


def import_rules(make_uow: UowFactory, tenant_id: str, docs: Sequence[Mapping[str, Any]], *,
                 actor: str, reason: str, now: datetime) -> list[dict[str, Any]]:
    """A whole rule set (a file kept in git) in one transaction: all valid, or nothing."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the rules change")])
    from orderhub.services.rules import tiers

    with make_uow() as uow:
        # Tier rules come back with an export: the ones in force are accepted unchanged;
        # any other tier section is refused (tiers go live through a rule set).
        kept = tiers.unchanged_in_import(uow, tenant_id, docs)
        out = save_rules(uow, tenant_id, [d for d in docs if not is_tier_doc(d)],
                         actor=actor, reason=reason, now=now)
        uow.commit()
        return [*out, *kept]


def save_rules(uow: UnitOfWork, tenant_id: str, docs: Sequence[Mapping[str, Any]], *,
               actor: str, reason: str, now: datetime, restoring: bool = False
               ) -> list[dict[str, Any]]:
    """`import_rules` inside the caller's transaction. `restoring` puts back rules that
    were live (a rollback): they are not checked against today's sites and channels, and
    one that no longer parses is left as it is stored, so a rollback cannot be blocked."""
    rules = parse_docs(uow, tenant_id, docs, restoring=restoring)
    return _save(uow, tenant_id, rules, actor=actor, reason=reason, now=now)


MAX_RULES = 2000  # per set or file: the sandbox and the contradiction check stay quick


def kind_clash(uow: UnitOfWork, tenant_id: str, rule: RoutingRule,
               codes: tuple[set[str], set[str]] | None = None) -> str:
    """Why `rule`'s code is taken by a rule of the other kind ("" if it is not): codes are
    unique across routing rules and validation checks, so a set, a diff or a rollback
    always knows which one a code means."""
    routing, checks = codes or kind_codes(uow, tenant_id)
    if rule.is_check and rule.code in routing:
        return "a routing rule has this code; give the check another"
    if not rule.is_check and rule.code in checks:
        return "a validation check has this code; give the rule another"
    return ""


def kind_codes(uow: UnitOfWork, tenant_id: str) -> tuple[set[str], set[str]]:
    return uow.rules.routing_codes(tenant_id), validation_rules.check_codes(uow, tenant_id)


def parse_docs(uow: UnitOfWork, tenant_id: str, docs: Sequence[Any], *,
               restoring: bool = False) -> list[RoutingRule]:
    """Every rule of a set checked against the tenant's vocabulary: all valid, or one
    InvalidInput with every problem (`rules.<i>.<field>`), codes unique."""
    errors: list[FieldError] = []
    rules: list[RoutingRule] = []
    codes: set[str] = set()
    vocab = Vocabulary() if restoring else vocabulary(uow, tenant_id)
    taken = kind_codes(uow, tenant_id)
    total = 0
    for i, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            errors.append(FieldError(f"rules.{i}", "a rule object"))
            continue
        # A decision table stands for one rule per row.
        entries: list[tuple[str, Mapping[str, Any]]] = [(f"rules.{i}", doc)]
        if "table" in doc:
            try:
                entries = [(f"rules.{i}.rows.{j}", row) for j, row in
                           enumerate(expand_table(doc, loc=f"rules.{i}"))]
            except InvalidInput as exc:
                errors.extend(exc.errors)
                continue
        total += len(entries)
        if total > MAX_RULES:
            raise InvalidInput([*errors, FieldError(
                "rules", f"at most {MAX_RULES:,} rules in one set or file, decision-table "
                         "rows counted one by one")])
        for loc, entry in entries:
            try:
                rule = validate_rule(uow, tenant_id, entry, loc=loc, vocab=vocab)
            except InvalidInput as exc:
                if restoring:
                    log.warning("rule %s left as stored while restoring: %s",
                                entry.get("code"), exc.errors[0].message)
                else:
                    errors.extend(exc.errors)
                continue
            if rule.code in codes:
                errors.append(FieldError(f"{loc}.code", f"'{rule.code}' appears twice"))
            elif clash := kind_clash(uow, tenant_id, rule, taken):
                errors.append(FieldError(f"{loc}.code", clash))
            codes.add(rule.code)
            rules.append(rule)
    if errors:
        raise InvalidInput(errors)
    return rules


def seed_rules(uow: UnitOfWork, tenant_id: str, now: datetime) -> None:
    vocab = vocabulary(uow, tenant_id)
    _save(uow, tenant_id, [validate_rule(uow, tenant_id, doc, vocab=vocab) for doc in DEMO_RULES],
          actor="demo-data", reason="demo rule set", now=now)
