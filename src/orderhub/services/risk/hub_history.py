"""The hub's own history as labelled snapshots (domain/risk/history.py), and a model
version trained on it: `orderhub risk train --from-hub --days 30 --held-out-days 7`.

One read for the window's orders and their events (streamed, in sequence), one for the
carrier services' state changes, one each for sites, services and the SLA policy (whose
calendars give promise deadlines and holidays, as the twin reads them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.risk.history import HubHistory, labelled_snapshots
from orderhub.domain.risk.snapshot import CHINA_TZ, LabelledSnapshot
from orderhub.domain.twin.sla import SlaPolicy, parse_policy
from orderhub.services.risk.training import TrainingResult, train_and_store
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

# Orders created this long before the window still fill its sites' queues and carriers'
# measured delays; they are not labelled.
LEAD_IN = timedelta(days=3)


@dataclass(frozen=True)
class HubSnapshots:
    items: list[LabelledSnapshot]
    first_day: date  # day 1 (China date)
    days: int  # days with labelled orders, counted from day 1 to the last one
    orders: int  # orders read (the lead-in included)


def _policy(uow: UnitOfWork, tenant_id: str) -> SlaPolicy:
    stored = uow.twins.policy(tenant_id)
    if stored is None:
        return SlaPolicy.default()
    return parse_policy(stored.document, version=stored.version)


def read_history(uow: UnitOfWork, tenant_id: str, since: datetime, until: datetime) -> (
        HubHistory):
    """The tenant's orders created in [since - LEAD_IN, until) with their events, and the
    network around them, in bulk."""
    policy = _policy(uow, tenant_id)
    return HubHistory(
        list(uow.risk_models.history(tenant_id, since - LEAD_IN, until)),
        {w.code: w for w in uow.catalog.warehouses(tenant_id)},
        {s.code: s for s in uow.network.services(tenant_id)},
        uow.risk_models.carrier_changes(tenant_id, until), policy.calendar)


def hub_snapshots(make_uow: UowFactory, tenant_id: str, *, days: int, now: datetime,
                  per_order: int = 2, seed: int = 0) -> HubSnapshots:
    """Labelled snapshots of the orders placed in the last `days` China days up to `now`
    (outcomes as known at `now`); day 1 is the first of those days."""
    first_day = now.astimezone(CHINA_TZ).date() - timedelta(days=days - 1)
    since = datetime.combine(first_day, datetime.min.time(), CHINA_TZ)
    with make_uow() as uow:
        history = read_history(uow, tenant_id, since, now)
    labelled = [h for h in labelled_snapshots(history, now, first_day=first_day,
                                              per_order=per_order, seed=seed)
                if h.day >= 1]
    return HubSnapshots(labelled, first_day, max((h.day for h in labelled), default=0),
                        len(history.orders))


def train_from_hub(make_uow: UowFactory, tenant_id: str, *, days: int, held_out_days: int,
                   seed: int, actor: str, now: datetime, promote: bool = True) -> tuple[
                       TrainingResult, dict[str, Any]]:
    """Train on the hub's history: its last `held_out_days` days with labelled orders are
    held out, the days before them train."""
    if held_out_days >= days:
        raise InvalidInput([FieldError("held_out_days", "must leave days to train on "
                                       f"(fewer than days, {days})")])
    found = hub_snapshots(make_uow, tenant_id, days=days, now=now, seed=seed)
    train_days = found.days - held_out_days
    if train_days < 1:
        raise InvalidInput([FieldError("days", f"the hub has {found.days} day(s) of orders "
                                       f"with known outcomes in the last {days}: too few "
                                       f"to hold out {held_out_days}")])
    source = {"source": "hub", "days": days, "first_day": found.first_day.isoformat(),
              "held_out_days": held_out_days, "orders_read": found.orders}
    result = train_and_store(make_uow, tenant_id, found.items, train_days=train_days,
                             seed=seed, source=source, actor=actor, now=now, promote=promote)
    return result, source
