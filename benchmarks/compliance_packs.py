"""What every compliance pack switched on costs validation per order: the 13 default checks
alone, then with the rules of all nine shipped packs (the tenant ticked every country), on
synthetic cross-border orders to those countries. Pure domain (no database): the pack
checks' share of intake's validation stage. Prints figures; asserts nothing on time.

    .venv/bin/python benchmarks/compliance_packs.py --orders 20000
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from decimal import Decimal

from orderhub.domain.compliance_packs import available, load_pack
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType
from orderhub.domain.rules.checks import ValidationContext
from orderhub.domain.rules.model import parse_rule, to_check
from orderhub.domain.rules.validation import DEFAULT_RULES, validate

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def orders(n: int) -> list[Order]:
    countries = available()
    out = []
    for i in range(n):
        cc = countries[i % len(countries)]
        out.append(Order.create(
            tenant_id="bench", channel="tmall", external_id=f"B-{i}", order_type=OrderType.B2C,
            currency="CNY",
            lines=[OrderLine(1, "MILK", 1 + i % 3, Decimal("1800"), hs_code="1901101000",
                             origin_country="NZ")],
            customer=Customer(ref=f"c{i % 500}"),
            address=Address(country=cc, name="李雷", line1="x", city="c"),
            now=NOW, cross_border=True,
            attributes={"buyer_id_number": "11010519491231002X", "buyer_id_name": "李雷"}
            if i % 4 else {}))
    return out


def run(batch: list[Order], rules: list, ctx: ValidationContext) -> tuple[float, int]:
    started = time.perf_counter()
    held = sum(1 for o in batch if validate(o, rules, ctx))
    return time.perf_counter() - started, held


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=20_000)
    args = ap.parse_args()
    ctx = ValidationContext(catalog={"MILK": Sku("bench", "MILK", "formula", Decimal("1800"),
                                                 attributes={"category": "infant_formula",
                                                             "cn_cbec_positive_list": True})},
                            atp_total={"MILK": 10**9})
    pack_rules = [to_check(parse_rule(r.doc())) for cc in available()
                  for r in load_pack(cc).rules]
    batch = orders(args.orders)
    print(f"load average {os.getloadavg()[0]:.2f}; {len(batch)} orders to "
          f"{len(available())} countries; {len(pack_rules)} pack rules")
    for name, rules in (("default checks", list(DEFAULT_RULES)),
                        ("default + all packs", [*DEFAULT_RULES, *pack_rules])):
        run(batch[:500], rules, ctx)  # warm
        secs, held = run(batch, rules, ctx)
        print(f"{name:>22}: {secs / len(batch) * 1e6:7.1f} µs/order, "
              f"{len(batch) / secs:9.0f} orders/s, {held} held")


if __name__ == "__main__":
    main()
