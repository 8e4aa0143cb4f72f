"""/v1/compliance/packs: prebuilt rule packs per destination country (docs/compliance.md).
Enabling, disabling or overriding drafts the pack's rules as a rule set (rules:draft);
`activate: true`, the explicit shortcut that puts them live at once, also needs
rules:approve, as activating any set does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Flag, JsonObject, Text
from orderhub.domain.access import Principal, Scope
from orderhub.domain.errors import Forbidden
from orderhub.services import compliance_packs

router = APIRouter(prefix="/v1/compliance/packs", tags=["rules"])
Country = Annotated[str, Path(min_length=1, max_length=8, description="ISO country code")]


class ToggleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=500)
    activate: Flag = Field(False, description="Put the pack's rules live at once, without "
                                              "sandbox or canary (audited; needs "
                                              "rules:approve)")


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: Text = Field(min_length=1, max_length=64, description="The pack rule's code")
    enabled: Flag | None = Field(None, description="Switch the pack rule on or off")
    params: JsonObject | None = Field(None, description="Parameters to change (e.g. limit)")
    reason: Text = Field(min_length=1, max_length=500)
    activate: Flag = False


def _may_activate(principal: Principal, activate: bool) -> None:
    if activate and not principal.allows(Scope.RULES_APPROVE):
        raise Forbidden(Scope.RULES_APPROVE.value, "activate: true puts rules live and needs "
                        "the scope 'rules:approve'; leave it out to draft a rule set")


@router.get("")
def list_packs(hub: HubDep, tenant: TenantDep) -> Any:
    """Every shipped pack (country, version, rules) with this tenant's state of it."""
    return compliance_packs.list_packs(hub.read_uow, tenant)


@router.get("/{country}")
def show_pack(country: Country, hub: HubDep, tenant: TenantDep) -> Any:
    """The pack's rules, each citing its source, with the tenant's overrides applied; an
    upgrade's diff when the tenant enabled an older version. Unknown country: 404."""
    return compliance_packs.show_pack(hub.read_uow, tenant, country)


@router.post("/{country}/enable")
def enable(country: Country, body: ToggleIn, hub: HubDep, tenant: TenantDep,
           actor: ActorDep, principal: PrincipalDep) -> Any:
    """Draft the pack's rules as a rule set (then sandbox, canary, activate it), or with
    activate: true put them live at once. Also upgrades an enabled pack to the shipped
    version, keeping the overrides; the answer has the upgrade's diff."""
    _may_activate(principal, body.activate)
    return compliance_packs.set_enabled(hub.uow, tenant, country, True, actor=actor,
                                        reason=body.reason, now=hub.clock(),
                                        activate=body.activate, strategy=hub.strategy)


@router.post("/{country}/disable")
def disable(country: Country, body: ToggleIn, hub: HubDep, tenant: TenantDep,
            actor: ActorDep, principal: PrincipalDep) -> Any:
    """Draft a rule set that switches the pack's rules off (or, with activate, do it)."""
    _may_activate(principal, body.activate)
    return compliance_packs.set_enabled(hub.uow, tenant, country, False, actor=actor,
                                        reason=body.reason, now=hub.clock(),
                                        activate=body.activate, strategy=hub.strategy)


@router.post("/{country}/overrides")
def override(country: Country, body: OverrideIn, hub: HubDep, tenant: TenantDep,
             actor: ActorDep, principal: PrincipalDep) -> Any:
    """Override one pack rule: switch it off or change a parameter, with a reason
    (audited). Kept across pack versions; when the pack is enabled its rules are drafted
    again. Bad rule or parameter: 422 on the field."""
    _may_activate(principal, body.activate)
    doc = body.model_dump(exclude_none=True, exclude={"activate"})
    return compliance_packs.override(hub.uow, tenant, country, doc, actor=actor,
                                     now=hub.clock(), activate=body.activate,
                                     strategy=hub.strategy)
