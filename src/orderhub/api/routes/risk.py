"""/v1/risk: the order twin's late-delivery risk models: versions with their held-out
figures beside the SLA baseline's, and training a new version on a simulated month or on
the hub's own history."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Flag, Int
from orderhub.services.risk import hub_history, training, views

router = APIRouter(prefix="/v1/risk", tags=["risk"])


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Literal["simulated_month", "hub"] = Field(
        "simulated_month", description="Learn from a simulated month, or from this hub's own "
        "orders placed in the last `days` days (their last `held_out_days` held out)")
    held_out_days: Int = Field(7, ge=1, le=30, description="With source hub: days held out")
    seed: Int = Field(42, ge=0, le=2**31 - 1, description="Seed of the simulated month")
    days: Int = Field(30, ge=8, le=62, description="Days in the simulated month")
    train_days: Int = Field(23, ge=5, le=60, description="Days 1..train_days train; the "
                                                         "rest are held out")
    orders_per_day: Int = Field(600, ge=50, le=3000, description="Orders on an ordinary "
                                                                 "day (peaks have more)")
    promote: Flag = Field(True, description="Make it the champion if it beats the SLA "
                                            "baseline on the held-out days")

    @model_validator(mode="after")
    def _held_out(self) -> TrainIn:
        if self.source == "hub":
            if self.held_out_days >= self.days:
                raise ValueError("held_out_days must leave days to train on "
                                 "(held_out_days < days)")
        elif self.train_days >= self.days:
            raise ValueError("train_days must leave held-out days (train_days < days)")
        return self


@router.get("/models")
def list_models(hub: HubDep, tenant: TenantDep) -> Any:
    """Every stored version, newest first: metrics (model and baseline AUC and Brier on
    held-out days), how it was trained, and which one is the champion the scorer uses."""
    return views.list_models(hub.read_uow, tenant)


@router.post("/models/train", status_code=201)
def train(body: TrainIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Simulate a month (seeded, in memory), train on its first `train_days` days, evaluate
    the model and the baseline on the rest, store the version (champion if it beats the
    baseline on both AUC and Brier). Synchronous: seconds at these sizes. With `source:
    hub`, learn from the hub's own orders and events instead (services/risk/hub_history)."""
    from orderhub.tools.month_simulation import MonthConfig, month_history

    if body.source == "hub":
        result, _ = hub_history.train_from_hub(
            hub.uow, tenant, days=body.days, held_out_days=body.held_out_days, seed=body.seed,
            actor=actor, now=hub.clock(), promote=body.promote)
        return _result(result)

    cfg = MonthConfig(days=body.days, orders_per_day=body.orders_per_day, seed=body.seed,
                      train_days=body.train_days)
    result = training.train_and_store(
        hub.uow, tenant, month_history(cfg), train_days=body.train_days, seed=body.seed,
        source={"source": "simulated_month", "days": body.days, "start": cfg.start.isoformat(),
                "orders_per_day": body.orders_per_day},
        actor=actor, now=hub.clock(), promote=body.promote)
    return _result(result)


def _result(result: training.TrainingResult) -> dict[str, Any]:
    return {"version": result.version, "champion": result.champion,
            "metrics": result.evaluation.as_dict(), "train_rows": result.train_rows,
            "test_rows": result.test_rows, "train_days": result.train_days}
