"""A tenant's anomaly settings: read, and changed (a new version, audited with who and
why)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub.domain.anomaly.settings import AnomalySettings
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory


def _view(s: AnomalySettings, meta: tuple[datetime, str] | None,
          model: str | None) -> dict[str, Any]:
    return {**s.as_doc(), "defaults": AnomalySettings().as_doc() | {"version": 0},
            "updated_at": meta[0] if meta else None, "updated_by": meta[1] if meta else None,
            "model_version": model}


def get_settings(make_uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with make_uow() as uow:
        if not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        s = uow.anomaly.settings(tenant_id)
        scorer = uow.anomaly.scorer()
        return _view(s, uow.anomaly.settings_meta(tenant_id),
                     scorer.version if scorer else None)


def update_settings(make_uow: UowFactory, tenant_id: str, changes: dict[str, Any], *,
                    reason: str, actor: str, now: datetime) -> dict[str, Any]:
    """Change some settings (the others keep their values); InvalidInput names each bad
    field. The change and its reason go into the audit chain in the same transaction."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why the settings change (audited)")])
    if not changes:
        raise InvalidInput([FieldError("settings", "name at least one setting to change")])
    with make_uow() as uow:
        if not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        before = uow.anomaly.settings(tenant_id)
        after = before.changed(changes)
        defaults = AnomalySettings().as_doc()
        doc = {k: v for k, v in after.as_doc().items()
               if k != "version" and v != defaults[k]}
        version = before.version + 1
        uow.anomaly.save_settings(tenant_id, doc, version, actor, now)
        old, new = before.as_doc(), after.as_doc()
        audit.note(uow, tenant_id, now, actor, "anomaly_settings", "anomaly-settings", {
            "version": version, "reason": reason,
            "before": {k: old[k] for k in changes}, "after": {k: new[k] for k in changes}})
        uow.commit()
        scorer = uow.anomaly.scorer()
        return _view(AnomalySettings.from_doc(doc, version), (now, actor),
                     scorer.version if scorer else None)
