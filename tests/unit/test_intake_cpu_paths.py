"""The faster paths intake takes (issue 13) give what the plain ones give: order totals in
one pass, quantising and currency checks, ids made in bulk, the chosen plan found by
identity in a stored decision, and the collector settings of long-running processes."""

from __future__ import annotations

import dataclasses
import gc
import importlib
import inspect
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderhub.adapters.db.decision_codec import compact_decision, expand_decision
from orderhub.bootstrap import GC_THRESHOLDS, settle_heap
from orderhub.domain.ids import new_id, new_ids
from orderhub.domain.money import CURRENCY_DECIMALS, decimals_of, fits_currency, quantize
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _order(rng: random.Random, currency: str) -> Order:
    places = CURRENCY_DECIMALS[currency]
    lines = [OrderLine(line_no=i + 1, sku=f"S{i}", quantity=rng.randint(1, 9),
                       unit_price=Decimal(rng.randint(0, 99999)).scaleb(-places),
                       discount=Decimal(rng.randint(0, 999)).scaleb(-places),
                       tax=Decimal(rng.randint(0, 999)).scaleb(-places - rng.randint(0, 2)))
             for i in range(rng.randint(0, 5))]
    return Order.create(tenant_id="t", channel="web", external_id="E1",
                        order_type=OrderType.B2C, currency=currency, lines=lines,
                        customer=Customer(), address=Address(), now=NOW,
                        shipping_fee=Decimal(rng.randint(0, 2000)).scaleb(-places))


def _totals_one_by_one(o: Order) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    subtotal = quantize(sum((ln.unit_price * ln.quantity for ln in o.lines), Decimal(0)),
                        o.currency)
    discount = quantize(sum((ln.discount for ln in o.lines), Decimal(0)), o.currency)
    tax = quantize(sum((ln.tax for ln in o.lines), Decimal(0)), o.currency)
    return subtotal, discount, tax, quantize(subtotal - discount + tax + o.shipping_fee,
                                             o.currency)


@pytest.mark.parametrize("currency", ["CNY", "JPY", "KWD"])
def test_totals_in_one_pass_are_the_totals_one_by_one(currency: str) -> None:
    rng = random.Random(13)
    for _ in range(200):
        o = _order(rng, currency)
        expected = _totals_one_by_one(o)
        assert o.totals() == expected
        assert [str(x) for x in o.totals()] == [str(x) for x in expected]  # same exponent
        assert (o.subtotal, o.discount_total, o.tax_total, o.grand_total) == expected


def test_quantize_and_fits_currency_as_defined() -> None:
    values = ["0", "0.0", "0.000", "10", "10.5", "10.50", "10.500", "10.505", "1E+2",
              "1.00E+1", "-3.14159", "123456789012345678901234567890.12", "0.001", "7.10"]
    for text in values:
        amount = Decimal(text)
        for currency, places in CURRENCY_DECIMALS.items():
            assert fits_currency(amount, currency) == (decimals_of(amount) <= places), (
                text, currency)
            if len(text) < 28:  # beyond the context's precision both raise
                assert str(quantize(amount, currency)) == str(
                    amount.quantize(Decimal(1).scaleb(-places)))


def test_ids_in_bulk_are_ids_one_after_another() -> None:
    before = new_id("evt")
    bulk = new_ids("evt", 10_000)  # more than one millisecond's counter can number
    after = new_id("evt")
    every = [before, *bulk, after]
    assert every == sorted(every) and len(set(every)) == len(every)
    assert all(i.startswith("evt_") and len(i) == len(before) for i in bulk)
    assert new_ids("evt", 0) == []


def _candidate(site: str) -> dict[str, object]:
    return {"sites": [site], "total": "7.55", "shipping": "5.00", "handling": "2.55",
            "split_penalty": "0.00", "late_penalty": "0.00", "bonus": "0.00",
            "promised": "2026-12-08",
            "shipments": [{"site": site, "service": "ZTO:standard", "picks": {"S": 1},
                           "weight_kg": "0.5", "shipping": "5.00", "handling": "2.55",
                           "ships": "2026-12-07", "arrives": "2026-12-08"}]}


def test_chosen_plan_is_the_first_equal_candidate_found_by_identity_or_value() -> None:
    a, b, a_again = _candidate("GZ"), _candidate("SH"), _candidate("GZ")
    doc = {"strategy": "routing-v2", "candidates": [a, b, a_again], "chosen": a_again}
    # equal to an earlier candidate: that one's index, as a comparison by value gives
    assert compact_decision(doc)["chosen"] == {"i": 0}
    assert expand_decision(compact_decision(doc))["chosen"] == a_again
    assert compact_decision({**doc, "chosen": b})["chosen"] == {"i": 1}
    assert compact_decision({**doc, "chosen": _candidate("SH")})["chosen"] == {"i": 1}
    outside = _candidate("BJ")
    packed = compact_decision({**doc, "chosen": outside})["chosen"]
    assert "c" in packed and expand_decision(
        compact_decision({**doc, "chosen": outside}))["chosen"] == outside
    assert compact_decision({**doc, "chosen": None})["chosen"] == {"c": None}


def test_settle_heap_freezes_and_sets_the_thresholds() -> None:
    before = gc.get_threshold()  # the suite's (tests/conftest.py), which freezes its heap too
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)  # CPython's default
    try:
        assert gc.get_freeze_count() == 0
        settle_heap()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)  # what settle_heap froze stays frozen, as the suite had it


def _hot_classes() -> list[type]:
    for user in ("orderhub.adapters.db.anomaly_repository",  # every class's module
                 "orderhub.services.intake.pipeline"):
        importlib.import_module(user)
    from orderhub.domain.fast_init import FAST_INIT

    return list(FAST_INIT)


@pytest.mark.parametrize("cls", _hot_classes(), ids=lambda c: c.__name__)
def test_fast_init_builds_what_the_dataclass_init_builds(cls: type) -> None:
    init = cls.__init__  # type: ignore[misc]
    original = cls.__dataclass_init__  # type: ignore[attr-defined]
    assert inspect.signature(init) == inspect.signature(original)
    required = {f.name: f"value-{i}" for i, f in enumerate(dataclasses.fields(cls))
                if f.init and f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}
    every = {f.name: f"other-{i}" for i, f in enumerate(dataclasses.fields(cls)) if f.init}
    for kwargs in (required, every):
        fast = cls(**kwargs)
        slow = object.__new__(cls)
        original(slow, **kwargs)
        assert fast == slow and repr(fast) == repr(slow)
        assert all(getattr(fast, f.name) == getattr(slow, f.name)
                   for f in dataclasses.fields(cls))
        name = dataclasses.fields(cls)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(fast, name, "changed")
        assert getattr(dataclasses.replace(fast, **{name: "x"}), name) == "x"
    defaults = [f for f in dataclasses.fields(cls) if f.default_factory is not
                dataclasses.MISSING]
    if defaults:  # a fresh value from the factory for each instance
        a, b = cls(**required), cls(**required)
        assert all(getattr(a, f.name) is not getattr(b, f.name) for f in defaults
                   if isinstance(getattr(a, f.name), list | dict | set))


def test_fast_init_refuses_what_it_cannot_reproduce() -> None:
    from orderhub.domain.fast_init import fast_init

    @dataclasses.dataclass(slots=True)
    class NotFrozen:
        x: int

    with pytest.raises(TypeError):
        fast_init(NotFrozen)

    @dataclasses.dataclass(frozen=True, slots=True)
    class WithInitVar:
        x: int
        y: dataclasses.InitVar[int] = 0

        def __post_init__(self, y: int) -> None:
            pass

    with pytest.raises(TypeError):
        fast_init(WithInitVar)
