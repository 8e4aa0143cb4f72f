"""Compliance packs for a tenant (domain/compliance_packs.py): list and show the shipped
packs with the tenant's state; enable or disable a country's pack, which drafts its rules
(overrides applied) as an ordinary rule set that then goes through the sandbox, canary
and activation like any set (or, with the explicit `activate` shortcut, is activated at
once, the audit entry saying that sandbox and canary were skipped); override a single
pack rule with a reason. Each change is one transaction: the pack's state, the draft, their
events and audit entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderhub.adapters.db.compliance_pack_repository import PackState
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.compliance_packs import (
    Pack,
    available,
    diff_docs,
    effective_docs,
    load_pack,
    merge_override,
    parse_override,
    stale_overrides,
)
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.events import CompliancePackChanged
from orderhub.services import audit
from orderhub.services.rules import rollout, rule_sets
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

SHORTCUT = ("activated directly by the compliance pack shortcut (--activate): no sandbox "
            "run and no canary")


def _state_view(state: PackState | None, pack: Pack) -> dict[str, Any]:
    if state is None:
        return {"enabled": False, "enabled_version": None, "overrides": [], "rule_set": None,
                "upgrade_available": False}
    return {"enabled": state.enabled, "enabled_version": state.version,
            "overrides": [o.doc() for o in state.overrides], "rule_set": state.rule_set,
            "changed_by": state.changed_by, "changed_at": state.changed_at,
            "upgrade_available": state.enabled and state.version != pack.version}


def _rule_set_state(uow: UnitOfWork, tenant_id: str, state: PackState | None) -> str | None:
    if state is None or state.rule_set is None:
        return None
    row = uow.rule_sets.get(tenant_id, state.rule_set)
    return None if row is None else row.state


def list_packs(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    """Every shipped pack with the tenant's state of it."""
    with make_uow() as uow:
        states = uow.compliance_packs.all(tenant_id)
        out = []
        for cc in available():
            pack = load_pack(cc)
            st = states.get(cc)
            out.append({**pack.summary(), **_state_view(st, pack),
                        "rule_set_state": _rule_set_state(uow, tenant_id, st)})
        return out


def show_pack(make_uow: UowFactory, tenant_id: str, country: str) -> dict[str, Any]:
    """The pack's rules with their sources, the tenant's overrides applied, and, when the
    tenant enabled an older version, what the shipped one changes."""
    pack = load_pack(country)
    with make_uow() as uow:
        st = uow.compliance_packs.get(tenant_id, pack.country)
        set_state = _rule_set_state(uow, tenant_id, st)
    overrides = list(st.overrides) if st else []
    docs = effective_docs(pack, overrides)
    rules = [{**doc, "description_zh": r.description_zh, "source": dict(r.source),
              "overridden": any(o.code == r.code for o in overrides)}
             for r, doc in zip(pack.rules, docs, strict=True)]
    out = {**pack.summary(), "notes": list(pack.notes), "rules": rules,
           **_state_view(st, pack), "rule_set_state": set_state,
           "stale_overrides": stale_overrides(pack, overrides)}
    if st is not None and st.enabled and st.version != pack.version:
        out["upgrade"] = {"from": st.version, "to": pack.version,
                          "changes": diff_docs(st.rules, docs)}
    return out


def _audit(uow: UnitOfWork, tenant_id: str, pack: Pack, change: str, *, actor: str,
           reason: str, now: datetime, detail: Mapping[str, Any]) -> None:
    uow.record(CompliancePackChanged(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                     reason=reason, country=pack.country,
                                     version=pack.version, change=change,
                                     rule_set=detail.get("rule_set")))
    uow.audit.add(tenant_id, [audit.Record(
        now, actor, "rule_change", f"compliance-pack/{pack.country}",
        {"change": change, "version": pack.version, "reason": reason, **detail})])


def _draft(uow: UnitOfWork, tenant_id: str, pack: Pack, state: PackState, *, enabled: bool,
           activate: bool, actor: str, reason: str, now: datetime
           ) -> tuple[PackState, dict[str, Any]]:
    """Draft the pack's rules (overrides applied; all off when disabling) as a rule set,
    and activate it at once with `activate`. The new state, and the draft's view."""
    docs = effective_docs(pack, state.overrides, enabled=enabled)
    # The rules last drafted from an older version that this one no longer has: switched
    # off (a set of checks replaces only the checks it names; left out, they stay live).
    ours = {d["code"] for d in docs}
    docs += [{**d, "enabled": False} for d in state.rules
             if d.get("code") not in ours and str(d.get("code", "")).startswith(
                 f"pack.{pack.country}.")]
    why = f"compliance pack {pack.country} {pack.version}: {reason}"
    draft = rule_sets.draft_in(uow, tenant_id, docs, actor=actor, reason=why, now=now)
    if activate:
        row = uow.rule_sets.get(tenant_id, draft["id"], lock=True)
        assert row is not None
        rollout.activate_in(uow, tenant_id, row, actor=actor, reason=why, now=now,
                            detail={"shortcut": SHORTCUT})
        draft = {**draft, "state": "active"}
    new = PackState(pack.country, enabled, pack.version, docs[:len(pack.rules)],
                    state.overrides, draft["id"], actor, now)
    uow.compliance_packs.save(tenant_id, new)
    return new, draft


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why (audited)")])
    return reason.strip()


def set_enabled(make_uow: UowFactory, tenant_id: str, country: str, enabled: bool, *,
                actor: str, reason: str, now: datetime, activate: bool = False,
                strategy: AllocationStrategy | None = None) -> dict[str, Any]:
    """Enable (or upgrade to the shipped version) or disable a country's pack: its rules
    drafted as a rule set, the pack's state, event and audit entry in one transaction."""
    pack = load_pack(country)
    reason = _reason(reason)
    with make_uow() as uow:
        st = uow.compliance_packs.get(tenant_id, pack.country, lock=True)
        if not enabled and (st is None or not st.enabled):
            raise Conflict(f"the {pack.country} pack is not enabled")
        before = st or PackState(pack.country, False, pack.version, [], (), None)
        upgrade = (diff_docs(before.rules, effective_docs(pack, before.overrides))
                   if st is not None and st.enabled and st.version != pack.version else None)
        new, draft = _draft(uow, tenant_id, pack, before, enabled=enabled, activate=activate,
                            actor=actor, reason=reason, now=now)
        change = ("disabled" if not enabled else "upgraded" if upgrade is not None
                  else "enabled")
        detail: dict[str, Any] = {"rule_set": draft["id"], "activated": activate,
                                  "rules": [d["code"] for d in new.rules]}
        if upgrade is not None:
            detail["from_version"] = before.version
            detail["upgrade"] = upgrade
        if activate:
            detail["shortcut"] = SHORTCUT
        _audit(uow, tenant_id, pack, change, actor=actor, reason=reason, now=now,
               detail=detail)
        uow.commit()
    if activate and strategy is not None:
        strategy.refresh()
    out = show_pack(make_uow, tenant_id, pack.country)
    return {**out, "change": change, "rule_set": draft, "upgrade_diff": upgrade,
            "stale_overrides": stale_overrides(pack, new.overrides)}


def override(make_uow: UowFactory, tenant_id: str, country: str, doc: Mapping[str, Any], *,
             actor: str, now: datetime, activate: bool = False,
             strategy: AllocationStrategy | None = None) -> dict[str, Any]:
    """Override one pack rule ({rule, enabled?, params?, reason}; field errors otherwise).
    The override is kept with the pack (across versions); when the pack is enabled its
    rules are drafted again with it (a rule set to sandbox and activate, or activated at
    once with `activate`)."""
    pack = load_pack(country)
    if not isinstance(doc, Mapping):
        raise InvalidInput([FieldError("body", "an object {rule, enabled?, params?, reason}")])
    ov = parse_override(pack, doc, actor=actor, at=now)
    with make_uow() as uow:
        st = uow.compliance_packs.get(tenant_id, pack.country, lock=True)
        before = st or PackState(pack.country, False, pack.version, [], (), None)
        overrides = merge_override(list(before.overrides), ov)
        state = PackState(pack.country, before.enabled, before.version, before.rules,
                          tuple(overrides), before.rule_set, actor, now)
        draft: dict[str, Any] | None = None
        upgrade = (diff_docs(before.rules, effective_docs(pack, overrides))
                   if state.enabled and before.version != pack.version else None)
        if state.enabled:
            state, draft = _draft(uow, tenant_id, pack, state, enabled=True,
                                  activate=activate, actor=actor,
                                  reason=f"override of {ov.code}: {ov.reason}", now=now)
        else:
            uow.compliance_packs.save(tenant_id, state)
        _audit(uow, tenant_id, pack, "overridden", actor=actor, reason=ov.reason, now=now,
               detail={"rule": ov.code, "override": ov.doc(),
                       "rule_set": draft["id"] if draft else None, "activated": activate,
                       # redrafting an enabled pack drafts the shipped version: say so
                       **({"from_version": before.version, "upgrade": upgrade}
                          if upgrade is not None else {})})
        uow.commit()
    if activate and strategy is not None:
        strategy.refresh()
    return {**show_pack(make_uow, tenant_id, pack.country), "override": ov.doc(),
            "rule_set": draft}
