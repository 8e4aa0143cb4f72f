"""/v1/fx-rates and /v1/fx-settings: a tenant's exchange rates into its base currency
(domain/fx.py), scoped as the catalogue is (read: catalog:read; load: catalog:write)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import (
    FxLoadOut,
    FxRateOut,
    FxRatesIn,
    FxSettingsIn,
    FxSettingsOut,
)
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.fx import check_rate
from orderhub.services import fx

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.post("/fx-rates", response_model=FxLoadOut, status_code=200)
def load_rates(body: FxRatesIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Load rates (`rates`, or a rate file as `csv`): all or nothing; a rate of the same
    currency and day replaces the stored one. Audited. Orders held for a missing rate of
    these currencies are validated again (`retried`)."""
    if (body.rates is None) == (body.csv is None):
        raise InvalidInput([FieldError("rates", "give either rates or csv")])
    retry = fx.Retry(hub.strategy, hub.presale_lock)
    if body.csv is not None:
        return fx.load_csv(hub.uow, tenant, body.csv, hub.clock(), actor=actor, retry=retry)
    found, errors = [], []
    for i, r in enumerate(body.rates or []):
        rate, errs = check_rate(r.currency, r.rate, r.effective_date, r.source,
                                f"rates.{i}.", base="")
        errors += errs
        if rate is not None:
            found.append(rate)
    if errors:
        raise InvalidInput(errors)
    return fx.save_rates(hub.uow, tenant, found, hub.clock(), actor=actor, retry=retry)


@router.get("/fx-rates", response_model=list[FxRateOut])
def list_rates(
    hub: HubDep,
    tenant: TenantDep,
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
    since: Annotated[date | None, Query(description="effective on or after")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Any:
    """Stored rates, newest first."""
    return fx.list_rates(hub.read_uow, tenant, currency, since, limit)


@router.get("/fx-settings", response_model=FxSettingsOut)
def get_settings(hub: HubDep, tenant: TenantDep) -> Any:
    s = fx.settings(hub.read_uow, tenant)
    return {"base_currency": s.base_currency, "max_age_days": s.max_age_days}


@router.put("/fx-settings", response_model=FxSettingsOut)
def put_settings(body: FxSettingsIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """The base currency and how many days a rate may be used. Audited."""
    s = fx.change_settings(hub.uow, tenant, body.base_currency, body.max_age_days,
                           hub.clock(), actor=actor,
                           retry=fx.Retry(hub.strategy, hub.presale_lock))
    return {"base_currency": s.base_currency, "max_age_days": s.max_age_days}
