"""A channel's refund or return notification (adapters/channels/returns.py) turned into the
same steps a person takes: a new request (source `channel`, one per channel refund id), a
withdrawn one cancelled, the channel's refund recorded as the refund's completion."""

from __future__ import annotations

from dataclasses import dataclass

from orderhub.adapters.channels.return_notice import ChannelReturn
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.order import Order
from orderhub.domain.returns import ReturnStatus
from orderhub.services.returns.desk import ReturnDesk
from orderhub.services.returns.views import return_view


@dataclass(frozen=True, slots=True)
class NoticeResult:
    outcome: str  # created | cancelled | refund_completed | unchanged
    return_id: str | None
    status: str | None
    message: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {"outcome": self.outcome, "return_id": self.return_id, "status": self.status,
                "message": self.message}


def _lines(order: Order, notice: ChannelReturn) -> list[tuple[int, int]]:
    """The notice's lines as (line number, units): by the seller's SKU code, else title."""
    out: list[tuple[int, int]] = []
    errors: list[FieldError] = []
    for i, ln in enumerate(notice.lines):
        match = next((o for o in order.lines if ln.channel_sku
                      and ln.channel_sku in (o.channel_sku, o.sku)), None)
        if match is None and ln.title:
            match = next((o for o in order.lines if o.title == ln.title), None)
        if match is None:
            errors.append(FieldError(f"lines.{i}", f"no line of order {order.id} has SKU "
                                     f"'{ln.channel_sku}' or title '{ln.title}'"))
            continue
        out.append((match.line_no, ln.quantity))
    if errors:
        raise InvalidInput(errors)
    return out


def ingest_notice(desk: ReturnDesk, tenant_id: str, channel: str, notice: ChannelReturn,
                  *, actor: str) -> NoticeResult:
    with desk.make_uow() as uow:
        found = uow.orders.find_by_channel_keys(tenant_id, [(channel, notice.external_id)])
        if not found:
            raise NotFound(f"no order {notice.external_id} of channel {channel}")
        order_id = next(iter(found.values()))[0]
        order = uow.orders.get(tenant_id, order_id)
        known = uow.returns.by_channel_ref(tenant_id, channel, notice.refund_ref)
    if known is None:
        if notice.status == "closed" or not notice.goods_back:
            return NoticeResult("unchanged", None, None, "no return to record (closed, or a "
                                "refund without goods coming back)")
        note = notice.reason_text
        if notice.status == "refunded" and notice.amount is not None:
            note = f"{note} (refunded in the channel: {notice.amount} {notice.currency})"
        rma = desk.request(tenant_id, order.id, _lines(order, notice), notice.reason,
                           actor=actor, source="channel", note=note.strip(),
                           channel_ref=notice.refund_ref)
        if notice.status == "refunded":  # paid by the channel: not again at receipt
            rma = desk.note_channel_refund(tenant_id, rma.id,
                                           f"{channel}:{notice.refund_ref}", actor=actor,
                                           amount=notice.amount, currency=notice.currency)
        return NoticeResult("created", rma.id, return_view(rma)["status"])
    if notice.status == "closed" and known.status in (ReturnStatus.REQUESTED,
                                                      ReturnStatus.APPROVED):
        rma = desk.cancel(tenant_id, known.id, actor=actor,
                          reason=f"closed in the channel: {notice.reason_text}".strip(": "))
        return NoticeResult("cancelled", rma.id, rma.status.value)
    if notice.status == "refunded" and known.status == ReturnStatus.RECEIVED:
        rma = desk.complete_refund(tenant_id, known.id, f"{channel}:{notice.refund_ref}",
                                   actor=actor)
        return NoticeResult("refund_completed", rma.id, rma.status.value)
    if notice.status == "refunded" and known.status in (ReturnStatus.REQUESTED,
                                                        ReturnStatus.APPROVED) \
            and not known.channel_refunded:
        rma = desk.note_channel_refund(tenant_id, known.id, f"{channel}:{notice.refund_ref}",
                                       actor=actor, amount=notice.amount,
                                       currency=notice.currency)
        return NoticeResult("refund_noted", rma.id, rma.status.value,
                            "refunded in the channel; the refund completes at receipt")
    return NoticeResult("unchanged", known.id, known.status.value,
                        f"return {known.id} is {known.status.value}")
