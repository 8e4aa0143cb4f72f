"""How much of a person's data a caller may see: the one decision every answer that carries
personal data (API, CLI, exports) is shaped by.

Read models build the full answer and pass it through `shape_order` with the caller's
view; no route or command masks on its own. What counts as personal here is also what the
store keeps only as ciphertext (adapters/crypto): the customer's and recipient's name,
phone and email, the street line and coordinates, and the buyer's free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from orderhub.domain.buyer_notes import FREE_TEXT_FACTS, is_birth_date_name
from orderhub.domain.lifecycle import OrderStatus


class PiiView(StrEnum):
    FULL = "full"  # names, phones, emails and addresses as stored
    MASKED = "masked"  # phone's last four digits, name's first character, address once released
    NONE = "none"  # no personal data at all (finance, analysts of amounts, integrations)


# The personal fields of each part of an order (stored encrypted, shaped here).
CUSTOMER_PERSONAL = ("name", "email", "phone")
ADDRESS_PERSONAL = ("name", "phone", "phone_e164", "line1", "lat", "lon")
STREET_LEVEL = ("line1", "lat", "lon")  # shown masked only once the order is released
# Free text a buyer or seller typed on the channel (notes, messages, nicknames).
# The facts read from them keep their source words and the invoice title (buyer_notes.py).
FREE_TEXT_ATTRIBUTES = frozenset({
    "buyer_message", "buyer_words", "buyer_nick", "customer_note", "note", "seller_memo",
    "gift_message", "buyer_memo", "remark", "invoice_title", "invoice_tax_id",
    "billing_phone", "shipping_phone",  # WooCommerce private meta (channels.md)
    # identifiers customs ask for (compliance packs): the payer's resident ID and the name
    # on it, Korea's personal customs clearance code
    "buyer_id_number", "buyer_id_name", "kr_pccc",
    # a buyer's date of birth (WooCommerce checkout-field meta): personal
    "buyer_birth_date", "billing_birthdate", "billing_birth_date", "date_of_birth", "dob",
    *FREE_TEXT_FACTS,
})


def is_personal_attribute(name: str) -> bool:
    """Free text, or a date of birth under any name a channel gives it ("Geburtsdatum",
    "Date de naissance", "生年月日", "Baby birth date"): stored encrypted, shaped away."""
    return name in FREE_TEXT_ATTRIBUTES or is_birth_date_name(name)


# Where the warehouse needs the street: the order has been released to it.
RELEASED_OR_LATER = frozenset({
    OrderStatus.RELEASED, OrderStatus.PICKED, OrderStatus.PACKED,
    OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
    OrderStatus.INVOICED, OrderStatus.PAID,
})
# What a caller with no personal view still sees of the destination (routing facts).
REGION_FIELDS = ("country", "province", "city")


def mask_phone(phone: str) -> str:
    """The last four digits: `13800138000` -> `*******8000`."""
    digits = [c for c in phone if c.isdigit()]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + "".join(digits[-4:])


def mask_name(name: str) -> str:
    """The first character: `张伟` -> `张*`."""
    name = name.strip()
    return name[0] + "*" if name else ""


def mask_email(email: str) -> str:
    """The first character of the mailbox and the domain: `li.wei@example.com` ->
    `l***@example.com`."""
    local, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] + "***") + "@" + domain


_MASKERS = {"name": mask_name, "phone": mask_phone, "phone_e164": mask_phone,
            "email": mask_email}


def shape_customer(customer: Mapping[str, Any], pii: PiiView) -> dict[str, Any]:
    if pii is PiiView.FULL:
        return dict(customer)
    if pii is PiiView.NONE:
        return {k: v for k, v in customer.items() if k == "tier"}
    return {k: (_MASKERS[k](v) if k in CUSTOMER_PERSONAL else v)
            for k, v in customer.items() if k != "ref"}


def shape_address(address: Mapping[str, Any], pii: PiiView, *,
                  released: bool) -> dict[str, Any]:
    if pii is PiiView.FULL:
        return dict(address)
    if pii is PiiView.NONE:
        return {k: v for k, v in address.items() if k in REGION_FIELDS}
    out: dict[str, Any] = {}
    for k, v in address.items():
        if k in STREET_LEVEL:
            if released:
                out[k] = v
        elif k in _MASKERS:
            out[k] = _MASKERS[k](v)
        else:
            out[k] = v
    return out


def shape_attributes(attributes: Mapping[str, Any], pii: PiiView) -> dict[str, Any]:
    if pii is PiiView.FULL:
        return dict(attributes)
    return {k: v for k, v in attributes.items() if not is_personal_attribute(k)}


def shape_order(view: Mapping[str, Any], pii: PiiView) -> dict[str, Any]:
    """An order's answer (a read model's dict) as this caller may see it: the one place
    masking happens. Reads `status`, `customer`, `shipping_address` and `attributes`."""
    if pii is PiiView.FULL:
        return dict(view)
    out = dict(view)
    released = str(view.get("status", "")) in RELEASED_OR_LATER
    if "customer" in out:
        out["customer"] = shape_customer(out["customer"] or {}, pii)
    if "shipping_address" in out:
        out["shipping_address"] = shape_address(out["shipping_address"] or {}, pii,
                                                 released=released)
    if "attributes" in out:
        out["attributes"] = shape_attributes(out["attributes"] or {}, pii)
    return out
