"""A receiver the hub could not read: the hold every order gets while the name, phone or
street its channel sent encrypted could not be opened (services/intake/receivers.py marks
such an order). It is built into validation, not a rule a tenant could leave out: an order
cannot ship to an address nobody can read. It clears when the listed fields hold readable
values again (an operator corrected the address, or a later delivery was opened).
"""

from __future__ import annotations

from orderhub.domain.order import HoldCode, HoldReason, Order

UNDECRYPTED_FIELDS = "receiver_undecrypted"  # attribute: fields not opened, comma-separated
UNDECRYPTED_REASON = "receiver_undecrypted_reason"  # attribute: why
CIPHERTEXT_PREFIX = "receiver_ciphertext_"  # attribute prefix: the channel's ciphertext kept
_LABELS = {"name": "收件人姓名", "phone": "收件人电话", "line1": "详细地址"}


def _unreadable(order: Order, name: str) -> bool:
    value = str(getattr(order.shipping_address, name, "") or "")
    return not value or "*" in value or value == order.attributes.get(CIPHERTEXT_PREFIX + name)


def undecrypted_receiver(order: Order) -> list[HoldReason]:
    """The hold reason while a field the channel sent encrypted is still unreadable."""
    listed = order.attributes.get(UNDECRYPTED_FIELDS, "")
    fields = [f for f in listed.split(",") if f and _unreadable(order, f)]
    if not fields:
        return []
    why = order.attributes.get(UNDECRYPTED_REASON, "")
    names = "、".join(_LABELS.get(f, f) for f in fields)
    return [HoldReason(
        HoldCode.RECEIVER_ENCRYPTED,
        f"{names}为渠道密文，未能解密" + (f"（{why}）" if why else "")
        + "；请更正收货地址，或配置解密服务后由渠道重新推送",
        details={"fields": fields})]
