"""A tenant's validation checks, stored, versioned and audited. They are rules of the one
rule model (domain/rules/model.py: a rule whose action is a `check`), so they travel in
rule sets (sandbox, canary, activation) beside routing rules; PATCH /v1/validation/rules
stays as the quick edit of one check's parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.rules.model import RoutingRule, condition_doc, to_check
from orderhub.domain.rules.validation import DEFAULT_RULES, Rule, param_errors
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def _when(rule: Rule) -> dict[str, Any]:
    return condition_doc(rule.scope) if rule.scope is not None else {}


def _as_doc(rule: Rule) -> dict[str, Any]:
    """A stored check in the one rule model's JSON shape."""
    return {"code": rule.code, "description": rule.description, "when": _when(rule),
            "then": {"check": rule.check, "level": rule.level.value,
                     "params": dict(rule.params)},
            "enabled": rule.enabled}


def rule_view(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "level": rule.level.value,
        "check": rule.check,
        "params": dict(rule.params),
        "when": _when(rule),
        "enabled": rule.enabled,
        "description": rule.description,
        "version": rule.version,
    }


def _or_defaults(stored: list[Rule]) -> list[Rule]:
    return stored or list(DEFAULT_RULES)


def live_checks(uow: UnitOfWork, tenant_id: str) -> list[Rule]:
    """The tenant's checks, or the defaults while it has not stored any."""
    return _or_defaults(uow.rules.checks(tenant_id))


def check_codes(uow: UnitOfWork, tenant_id: str) -> set[str]:
    return uow.rules.check_codes(tenant_id) or {r.code for r in DEFAULT_RULES}


def check_docs(uow: UnitOfWork, tenant_id: str) -> list[dict[str, Any]]:
    """The live checks as rule documents (what a rule set holds)."""
    return [_as_doc(r) for r in live_checks(uow, tenant_id)]


def overlay(live: Sequence[Rule], rules: Sequence[RoutingRule]) -> list[Rule]:
    """The live checks with a rule set's checks in place of those of the same code (a set
    changes the checks it names; the others stay as they are)."""
    mine = {r.code: to_check(r) for r in rules if r.is_check}
    out = [mine.pop(r.code, r) for r in live]
    return sorted([*out, *mine.values()], key=lambda r: r.code)


def _seed(uow: UnitOfWork, tenant_id: str, actor: str, now: datetime) -> None:
    """Store the default checks for a tenant that runs on them, before its first change."""
    if uow.rules.has_checks(tenant_id):
        return
    uow.rules.add_checks(tenant_id, DEFAULT_RULES, actor=actor, at=now)
    uow.rules.add_check_history(tenant_id, [rule_view(r) for r in DEFAULT_RULES],
                                actor=actor, reason="default rule set", at=now)


class Saved(NamedTuple):
    """A rule saved by a batch: its view, and the audit entry of its change (None when
    its content did not change)."""

    view: dict[str, Any]
    entry: audit.Record | None


def save_checks(uow: UnitOfWork, tenant_id: str, rules: Sequence[RoutingRule], *,
                actor: str, reason: str, now: datetime) -> list[Saved]:
    """Create or change checks from their rules (codes unique); unchanged content changes
    nothing. A new version and its history row each, in the caller's transaction; the
    audit entries (with the diff) are returned in order for the caller to add."""
    if not rules:
        return []
    _seed(uow, tenant_id, actor, now)
    stored = uow.rules.checks_by_code(tenant_id, [r.code for r in rules])
    added: list[Rule] = []
    updated: list[Rule] = []
    changes: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    out: list[Saved] = []
    for rule in rules:
        new = to_check(rule)
        row = stored.get(rule.code)
        after = rule_view(new)
        after.pop("version")
        before: dict[str, Any] = {}
        if row is not None:
            before = rule_view(row)
            before.pop("version")
            if before == after:
                out.append(Saved({**after, "version": row.version, "changed": False}, None))
                continue
        version = 1 if row is None else row.version + 1
        (added if row is None else updated).append(
            Rule(new.code, new.level, new.check, new.params, new.enabled, new.description,
                 version, new.scope))
        changes.append(({**after, "version": version}, before,
                         "created" if row is None else "updated"))
        out.append(Saved({**after, "version": version, "changed": True}, None))
    uow.rules.add_checks(tenant_id, added, actor=actor, at=now)
    uow.rules.update_checks(tenant_id, updated, actor=actor, at=now)
    entries = iter(_history(uow, tenant_id, changes, actor=actor, reason=reason, now=now))
    return [s if not s.view["changed"] else s._replace(entry=next(entries)) for s in out]


def _history(uow: UnitOfWork, tenant_id: str,
             changes: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], str]], *,
             actor: str, reason: str, now: datetime) -> list[audit.Record]:
    """History rows for (after, before, change) of each changed check; their audit
    entries, with the diff, returned in order."""
    uow.rules.add_check_history(tenant_id, [after for after, _, _ in changes], actor=actor,
                                reason=reason, at=now)
    entries = []
    for after, before, change in changes:
        diff = {k: {"before": before.get(k), "after": after.get(k)}
                for k in sorted(set(before) | set(after))
                if k != "version" and before.get(k) != after.get(k)}
        entries.append(audit.Record(
            now, actor, "rule_change", f"validation-rule/{after['code']}",
            {"change": change, "version": after["version"], "reason": reason, "diff": diff}))
    return entries


def disable_others(uow: UnitOfWork, tenant_id: str, keep: set[str], *, actor: str,
                   reason: str, now: datetime) -> None:
    """Switch off the live checks not in `keep` (restoring a full snapshot); works on the
    stored rows, so a check stored before its parameters were checked cannot block it."""
    uow.network.bump(tenant_id)
    _seed(uow, tenant_id, actor, now)
    off = [r for r in uow.rules.checks(tenant_id) if r.enabled and r.code not in keep]
    uow.rules.update_check_states(tenant_id, [
        Rule(r.code, r.level, r.check, r.params, False, r.description, r.version + 1,
             r.scope) for r in off], actor=actor, at=now)
    changes = []
    for r in off:
        before = rule_view(r)
        changes.append(({**before, "enabled": False, "version": r.version + 1}, before,
                        "disabled"))
    uow.audit.add(tenant_id, _history(uow, tenant_id, changes, actor=actor, reason=reason,
                                      now=now))


def list_rules(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return [rule_view(r) for r in live_checks(uow, tenant_id)]


def update_rule(
    make_uow: UowFactory,
    tenant_id: str,
    code: str,
    *,
    params: dict[str, Any] | None,
    enabled: bool | None,
    reason: str,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Change a rule's parameters or switch it on/off; the version goes up and the previous
    state stays in the history with who, when and why."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the rule changes (audited)")])
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # the checks in force are part of what intake reads
        _seed(uow, tenant_id, actor, now)
        current = uow.rules.checks_by_code(tenant_id, [code]).get(code)
        if current is None:
            raise NotFound(f"validation rule '{code}' not found")
        new_params = dict(current.params) if params is None else params
        if params is not None:
            _check_params(current.check, new_params)
        changed = Rule(
            current.code,
            current.level,
            current.check,
            new_params,
            current.enabled if enabled is None else enabled,
            current.description,
            current.version + 1,
            current.scope,
        )
        uow.rules.update_check_states(tenant_id, [changed], actor=actor, at=now)
        uow.audit.add(tenant_id, _history(
            uow, tenant_id, [(rule_view(changed), rule_view(current), "updated")],
            actor=actor, reason=reason, now=now))
        uow.commit()
        return rule_view(changed)


def rule_history(make_uow: UowFactory, tenant_id: str, code: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        found = uow.rules.check_history(tenant_id, code)
    return [{"version": h.version, "snapshot": h.doc, "changed_by": h.changed_by,
             "reason": h.reason, "changed_at": h.changed_at} for h in found]


def _check_params(check: str, params: dict[str, Any]) -> None:
    errors = param_errors(check, params)
    if errors:
        raise InvalidInput(errors)
