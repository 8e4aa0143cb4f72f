"""/v1/anomalies: what anomaly detection at intake held or flagged, and a tenant's settings
(on/off, thresholds; a change is audited with its reason)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import JsonObject, Text
from orderhub.services.anomaly import settings as anomaly_settings
from orderhub.services.anomaly.views import list_detections

router = APIRouter(prefix="/v1/anomalies", tags=["anomalies"])


@router.get("")
def list_anomalies(
    hub: HubDep,
    tenant: TenantDep,
    since: Annotated[AwareDatetime | None, Query(
        description="Detected at or after (ISO 8601 with a time zone)")] = None,
    action: Annotated[Literal["hold", "flag"] | None, Query()] = None,
    code: Annotated[str | None, Query(max_length=64, description="A reason code")] = None,
    order_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Recent detections, newest first: the order, hold or flag, the score, the model
    version and each reason code with its messages (English, Chinese) and evidence."""
    return {"items": list_detections(hub.read_uow, tenant, since=since, action=action,
                                     code=code, order_id=order_id, limit=limit)}


@router.get("/settings")
def get_settings(hub: HubDep, tenant: TenantDep) -> Any:
    """The tenant's settings (with the defaults) and the model version in force."""
    return anomaly_settings.get_settings(hub.read_uow, tenant)


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    settings: JsonObject = Field(description="The settings to change, by name (the others "
                                 "keep their values), e.g. {\"enabled\": false}")
    reason: Text = Field(min_length=1, max_length=500, description="Why (audited)")


@router.put("/settings")
def put_settings(body: SettingsIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Change settings: a new version, audited with who and why."""
    return anomaly_settings.update_settings(hub.uow, tenant, body.settings, reason=body.reason,
                                            actor=actor, now=hub.clock())
