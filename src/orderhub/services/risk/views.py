"""Risk model versions as documents (GET /v1/risk/models, `orderhub risk models`)."""

from __future__ import annotations

from typing import Any

from orderhub.services.unit_of_work import UowFactory


def list_models(uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with uow() as u:
        records = u.risk_models.list(tenant_id)
    items = [{"version": r.version, "created_at": r.created_at, "created_by": r.created_by,
              "algorithm": r.algorithm, "feature_version": r.feature_version,
              "champion": r.champion, "metrics": r.metrics, "training": r.training,
              "sha256": r.sha256, "size_bytes": r.size_bytes} for r in records]
    champion = next((i["version"] for i in items if i["champion"]), None)
    return {"items": items, "champion": champion,
            "scoring": f"model:v{champion}" if champion else "baseline"}
