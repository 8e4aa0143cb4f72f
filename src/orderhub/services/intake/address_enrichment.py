"""What intake works out about a ship-to address before the checks read it, for every
order the pipeline takes (new, updated by its channel, corrected, resumed):

- the country: Hong Kong, Macau and Taiwan written as Chinese provinces become HK, MO and
  TW, country names become codes (domain/regions.py);
- the province in its canonical form: a mainland province's official full name (上海 ->
  上海市, domain/regions.mainland_province), a US, Canadian or Australian state's postal
  code (California -> CA, adapters/world_address.area_code);
- mainland divisions written in the street line are split out; a city only inferred from
  a district is a suggestion kept with the order (order.address_suggestion), never filled
  silently (adapters/china_address.py);
- the recipient's phone: its status (valid, masked, virtual, invalid, missing) and, for a
  real number, its E.164 form, with the ship-to country as the region (adapters/phone.py);
- a rule that allows it (address_complete's `auto_fill_min_confidence`) fills a suggestion
  at or above that confidence, recorded as an address correction by the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from orderhub.adapters.china_address import parse_addresses
from orderhub.adapters.phone import classify_phone
from orderhub.adapters.world_address import area_code
from orderhub.domain.order import Address, Order
from orderhub.domain.regions import mainland_province, recognise_region
from orderhub.domain.rules.validation import Rule


def with_phone(a: Address, fallback: str = "") -> Address:
    """The address with its phone's status and E.164 form worked out (the address's own
    number, else the customer's `fallback`)."""
    status, e164 = classify_phone(a.phone or fallback, a.country or "CN")
    if a.phone_status == status.value and a.phone_e164 == e164:
        return a
    return replace(a, phone_status=status.value, phone_e164=e164)


def canonical_province(a: Address) -> Address:
    """The address with its province in the form the hub stores (see the module's list)."""
    country = (a.country or "CN").upper()
    if not a.province:
        return a
    province = (mainland_province(a.province) if country == "CN"
                else area_code(country, a.province))
    return a if province == a.province else replace(a, province=province)


def as_stored(a: Address) -> Address:
    """`a` as `enrich` stores it, less the phone's derived fields: what a channel's next
    version of the same address is compared with (services/intake/channel_orders.py)."""
    [(address, _)] = parse_addresses([canonical_province(recognise_region(a))])
    return address


def enrich(orders: Sequence[Order]) -> None:
    """Country, divisions, suggestions and phone for each order (one division parse for
    the batch). Only an address that changes is replaced."""
    regions = [canonical_province(recognise_region(o.shipping_address)) for o in orders]
    parsed = parse_addresses(regions)
    for o, (address, suggestion) in zip(orders, parsed, strict=True):
        address = with_phone(address, o.customer.phone)
        if address != o.shipping_address:
            o.shipping_address = address
        if suggestion is not None and o.address_suggestion != suggestion:
            o.address_suggestion = suggestion


def auto_fill(order: Order, checks: Sequence[Rule], now: datetime, actor: str) -> bool:
    """Accept the order's address suggestion when the address rule in force allows
    auto-fill at its confidence; True when it did."""
    s = order.address_suggestion
    if s is None:
        return False
    for rule in checks:
        if rule.check != "address_complete" or not rule.enabled:
            continue
        threshold = rule.params.get("auto_fill_min_confidence")
        if threshold is None or Decimal(str(s.confidence)) < Decimal(str(threshold)):
            return False
        order.accept_address_suggestion(
            f"auto-filled by validation rule {rule.code} v{rule.version}: confidence "
            f"{s.confidence:.2f} >= {threshold} ({s.source})", now, actor)
        order.shipping_address = with_phone(order.shipping_address, order.customer.phone)
        return True
    return False
