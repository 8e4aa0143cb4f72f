"""Exchange rates: a tenant's dated rates into its base currency, and its base currency and
staleness limit (domain/fx.py). Loaded by the API (`/v1/fx-rates`), the CLI (`orderhub fx`)
and CSV files; every change is audited in the transaction that makes it (kind
`fx_rate_change`: the rate before and after, its source), as catalogue changes are. A load
is all or nothing: one bad row refuses the file, named by line and field. Orders held for a
missing or stale rate go through the pipeline again in the transaction of the change that
may have given them one (`retry_held`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.fx import FxRate, FxSettings, check_rate, check_settings, parse_rates_csv
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode
from orderhub.services import audit
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

MAX_RATES = 10_000
RETRY_LIMIT = 5_000  # held orders sent on per change (the rest wait for a resume)


@dataclass(frozen=True, slots=True)
class Retry:
    """What sending held orders through the pipeline again needs (the hub's router and
    pre-sale lock); without it a rate change leaves held orders for a person to resume."""

    strategy: AllocationStrategy
    presale_lock: timedelta


def retry_held(uow: UnitOfWork, tenant_id: str, currencies: set[str] | None, retry: Retry,
               now: datetime, actor: str) -> int:
    """Orders held for a missing or stale rate (in `currencies`; None: any) go through the
    pipeline again in the transaction of the change that may have given them one; those
    still without a usable rate are held again. One also held for a person (PERSON_HOLDS)
    waits for them: their resume checks it with the new rate. Returns how many were tried."""
    held = uow.orders.held_for(tenant_id, {HoldCode.FX_RATE_MISSING.value})
    orders = [o for o in uow.orders.get_many(tenant_id, held[:RETRY_LIMIT], lock=True)
              if o.status == OrderStatus.ON_HOLD
              and (currencies is None or o.currency in currencies)
              and not o.person_holds()]
    for o in orders:
        o.resume(now, actor)
    if orders:
        run_pipeline(uow, tenant_id, orders, retry.strategy, now, actor, retry.presale_lock)
    return len(orders)


def _rate_doc(r: FxRate) -> dict[str, Any]:
    return {"currency": r.currency, "effective_date": r.effective_date.isoformat(),
            "rate": str(r.rate), "source": r.source}


def _subject(r: FxRate) -> str:
    return f"fx/{r.currency}/{r.effective_date.isoformat()}"


def save_rates(make_uow: UowFactory, tenant_id: str, rates: Sequence[FxRate], now: datetime,
               *, actor: str, retry: Retry | None = None) -> dict[str, int]:
    """Store `rates` (new, or replacing the same currency and day); audited one by one.
    With `retry`, orders held for a missing rate of these currencies are validated again.
    Returns how many were added, changed, left as they were, and orders retried."""
    if not rates:
        raise InvalidInput([FieldError("rates", "no rates given")])
    if len(rates) > MAX_RATES:
        raise InvalidInput([FieldError("rates", f"at most {MAX_RATES} rates at once")])
    keys = [(r.currency, r.effective_date) for r in rates]
    if len(set(keys)) != len(keys):
        raise InvalidInput([FieldError("rates", "the same currency and effective date "
                                        "appear twice")])
    counts = {"added": 0, "changed": 0, "unchanged": 0, "retried": 0}
    with make_uow() as uow:
        if not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        base = uow.fx.settings(tenant_id).base_currency
        bad = [FieldError(f"rates.{i}.currency", f"{r.currency} is the base currency; its "
                          "rate is always 1") for i, r in enumerate(rates) if r.currency == base]
        if bad:
            raise InvalidInput(bad)
        before = uow.fx.existing(tenant_id, keys)
        changed = []
        for r in rates:
            old = before.get((r.currency, r.effective_date))
            if old is not None and old.rate == r.rate and old.source == r.source:
                counts["unchanged"] += 1
                continue
            counts["changed" if old is not None else "added"] += 1
            changed.append(r)
            detail: dict[str, Any] = {"change": "changed" if old else "created",
                                      **_rate_doc(r)}
            if old is not None:
                detail["rate"] = {"before": str(old.rate), "after": str(r.rate)}
                detail["source"] = {"before": old.source, "after": r.source}
            audit.note(uow, tenant_id, now, actor, "fx_rate_change", _subject(r), detail)
        uow.fx.upsert(tenant_id, changed, now, actor)
        if retry is not None and changed:
            counts["retried"] = retry_held(uow, tenant_id, {r.currency for r in changed},
                                           retry, now, actor)
        uow.commit()
    return counts


def load_csv(make_uow: UowFactory, tenant_id: str, text: str, now: datetime, *,
             actor: str, retry: Retry | None = None) -> dict[str, int]:
    """A rate file (domain/fx.parse_rates_csv), refused as a whole if any row is bad."""
    with make_uow() as uow:
        base = uow.fx.settings(tenant_id).base_currency
    return save_rates(make_uow, tenant_id, parse_rates_csv(text, base), now, actor=actor,
                      retry=retry)


def set_rate(make_uow: UowFactory, tenant_id: str, currency: str, rate: str, day: date | str,
             now: datetime, *, actor: str, source: str = "",
             retry: Retry | None = None) -> FxRate:
    found, errors = check_rate(currency, rate, day, source, "", base="")
    if found is None:
        raise InvalidInput(errors)
    save_rates(make_uow, tenant_id, [found], now, actor=actor, retry=retry)
    return found


def remove_rate(make_uow: UowFactory, tenant_id: str, currency: str, day: date, now: datetime,
                *, actor: str) -> None:
    code = currency.strip().upper()
    with make_uow() as uow:
        before = uow.fx.existing(tenant_id, [(code, day)]).get((code, day))
        if before is None or not uow.fx.remove(tenant_id, code, day):
            raise NotFound(f"no {code} rate effective {day.isoformat()}")
        audit.note(uow, tenant_id, now, actor, "fx_rate_change", _subject(before),
                   {"change": "removed", **_rate_doc(before)})
        uow.commit()


def list_rates(read_uow: UowFactory, tenant_id: str, currency: str | None = None,
               since: date | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    with read_uow() as uow:
        return uow.fx.rates(tenant_id, currency.strip().upper() if currency else None,
                            since, limit)


def settings(read_uow: UowFactory, tenant_id: str) -> FxSettings:
    with read_uow() as uow:
        return uow.fx.settings(tenant_id)


def change_settings(make_uow: UowFactory, tenant_id: str, base_currency: Any,
                    max_age_days: Any, now: datetime, *, actor: str,
                    retry: Retry | None = None) -> FxSettings:
    """A tenant's base currency and staleness limit; audited (before and after). With
    `retry`, every order held for a missing rate is validated again."""
    new = check_settings(base_currency, max_age_days)
    with make_uow() as uow:
        if not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        old = uow.fx.settings(tenant_id)
        if old.base_currency != new.base_currency and uow.fx.rates(tenant_id, limit=1):
            # Stored rates say units of the old base per unit: they would mean something else.
            raise Conflict(f"the stored rates are in {old.base_currency}; remove them "
                           f"(orderhub fx remove) before making {new.base_currency} the base")
        if old != new:
            uow.fx.save_settings(tenant_id, new, now, actor)
            audit.note(uow, tenant_id, now, actor, "fx_rate_change", "fx/settings", {
                "base_currency": {"before": old.base_currency, "after": new.base_currency},
                "max_age_days": {"before": old.max_age_days, "after": new.max_age_days}})
            if retry is not None:
                retry_held(uow, tenant_id, None, retry, now, actor)
            uow.commit()
    return new
