"""/v1/forecasts: daily demand forecasts per SKU × warehouse (or region) with 80% and 95%
prediction intervals, the runs (versions) they come from, the champion/challenger table;
fitting a new run, importing demand history as JSON rows, the drift check."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Day, Float, Int, Line
from orderhub.services.forecasting import drift, fitting, history, views

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"])

Text64 = Annotated[Line, Field(min_length=1, max_length=64)]


@router.get("")
def list_forecasts(
    hub: HubDep, tenant: TenantDep,
    sku: Annotated[str | None, Query(max_length=64, description="One SKU")] = None,
    warehouse: Annotated[str | None, Query(max_length=64, description="One warehouse (or "
                                           "region): its series only")] = None,
    from_: Annotated[date | None, Query(alias="from", description="First day")] = None,
    to: Annotated[date | None, Query(description="Last day")] = None,
    run: Annotated[str | None, Query(max_length=40, description="A run id; default the "
                                     "latest")] = None,
) -> Any:
    """Daily demand (`mean`) with `interval_80` and `interval_95` per series; each series
    says its `model` and, when a baseline serves it, the `fallback_reason`. Level
    `sku_location` is one SKU at one warehouse or region, `sku` its bottom-up total,
    `total` everything."""
    return views.forecasts(hub.read_uow, tenant, sku=sku, warehouse=warehouse, since=from_,
                           until=to, run_id=run)


@router.get("/runs")
def list_runs(hub: HubDep, tenant: TenantDep) -> Any:
    """The fit runs (versions), newest first, with what each fitted."""
    return views.runs(hub.read_uow, tenant)


@router.get("/models")
def models(hub: HubDep, tenant: TenantDep,
           run: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    """Champion/challenger per segment: the models' mean backtest WAPE and how many
    series each serves, the baselines beside them."""
    return views.champion_challenger(hub.read_uow, tenant, run)


class FitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Text64 = Field("hub", description="`hub` (this hub's orders) or the name of an "
                                              "imported data set")
    by: Literal["warehouse", "region"] = Field(
        "warehouse", description="With source hub: by ship-from warehouse or destination "
        "region")
    from_: Day | None = Field(None, alias="from", description="First day of history")
    to: Day | None = Field(None, description="Last day of history")
    horizon: Int = Field(28, ge=1, le=366, description="Days forecast")
    windows: Int = Field(2, ge=1, le=6, description="Backtest windows (rolling origins)")


@router.post("/fit", status_code=201)
def fit(body: FitIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Fit every series of the history, choose a model per series by backtest, store the
    run. Synchronous: seconds for a few series, minutes for thousands (use the CLI)."""
    result = fitting.fit_and_store(
        hub.uow, tenant, fitting.default_engine(), source=body.source, kind=body.by,
        since=body.from_, until=body.to, horizon=body.horizon, windows=body.windows,
        actor=actor, now=hub.clock())
    return result.as_dict()


class HistoryRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Line = Field(max_length=200)
    warehouse: Line | None = Field(None, max_length=200)
    region: Line | None = Field(None, max_length=200)
    date: Line = Field(max_length=40, description="YYYY-MM-DD (checked per row)")
    quantity: Float | Line = Field(description="Units; negative: a return")


class HistoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: Text64 = Field(description="Its name; a later import of it replaces it")
    rows: list[HistoryRowIn] = Field(min_length=1, max_length=200_000)


@router.post("/history", status_code=201)
def import_history(body: HistoryIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Demand history rows (sku, warehouse or region, date, quantity). Returns, duplicated
    days and refused rows come back in `problems` with their row (row 2 is the first)."""
    records = [{k: "" if v is None else v for k, v in r.model_dump().items()}
               for r in body.rows]
    result = history.import_records(hub.uow, tenant, records, dataset=body.dataset,
                                    actor=actor, now=hub.clock())
    return result.as_dict()


@router.post("/drift")
def check_drift(hub: HubDep, tenant: TenantDep, actor: ActorDep,
                run: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    """Live error of the run's forecasts against the demand since; series that left their
    backtest band are flagged (ForecastDrifted, once per series)."""
    run_id, rows = drift.check(hub.uow, tenant, run_id=run, actor=actor, now=hub.clock())
    return {"run_id": run_id, "items": [r.as_dict() for r in rows]}
