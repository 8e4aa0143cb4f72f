"""The `chat` durable consumer's handler: the desk's and the twin's events -> cards, one
per enabled channel of the tenant that takes the event's subject (approvals, alerts, rule
sets), queued in `chat_cards` in one transaction. It runs after the event's transaction
committed, so a chat app never delays or fails the desk; the notification dispatcher
(`services/notifications/dispatcher.py`, with `uow.chat` as its queue) sends them with
retries, back-off and a dead letter. Idempotent: a redelivered batch adds nothing
((channel, event) is unique)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.chat.base import ACTIONS, Button, Card
from orderhub.adapters.chat.sender import card_to_json
from orderhub.domain import chat
from orderhub.domain.ids import new_id
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

_LABELS = {"approve": ("Approve", "批准"), "reject": ("Reject", "驳回")}


def _remedy_n(uow: UnitOfWork, tenant: str, exception_id: str, proposal_id: str) -> int:
    for p in uow.exceptions.proposals(tenant, exception_id):
        if p.id == proposal_id:
            return p.remedy.n
    return 0


def build_cards(uow: UnitOfWork, tenant: str, envs: Sequence[Envelope], now: datetime,
                console_url: str) -> list[chat.CardRecord]:
    channels = [c for c in uow.chat.channels(tenant) if c.enabled]
    if not channels:
        return []
    wanted = [(c, e) for e in envs for c in channels if chat.SUBJECT_OF[e.type] in c.subjects]
    seen = uow.chat.existing_cards([(c.id, e.id) for c, e in wanted])
    out = []
    for c, e in wanted:
        if (c.id, e.id) in seen:
            continue
        what = chat.content(e.type, e.data, e.order_id, console_url)
        card_id = new_id("crd")
        n = 0
        if what.kind == chat.APPROVAL:
            n = _remedy_n(uow, tenant, what.refs["exception_id"], what.refs["proposal_id"])
        decidable = n > 0 or (what.kind == chat.ACTIVATION and what.refs["rule_set_id"] > 0)
        buttons = tuple(Button(a, *_LABELS[a], f"{card_id}:{a}") for a in ACTIONS) \
            if what.approvable and decidable else ()
        card = Card(card_id, what.kind, what.title, what.title_zh, what.facts, buttons,
                    what.link)
        out.append(chat.CardRecord(
            card_id, tenant, c.id, what.kind, e.id, card_to_json(card), now, e.order_id,
            str(what.refs.get("exception_id", "")), n,
            str(what.refs.get("proposal_id", "")), int(what.refs.get("rule_set_id", 0)),
            str(what.refs.get("requested_by", ""))))
    return out


def enqueue(make_uow: UowFactory, envelopes: Sequence[Envelope], now: datetime,
            console_url: str = "") -> int:
    """Cards for a batch of events; returns how many were queued."""
    wanted = [e for e in envelopes if e.type in chat.SUBJECT_OF]
    if not wanted:
        return 0
    by_tenant: dict[str, list[Envelope]] = {}
    for e in wanted:
        by_tenant.setdefault(e.tenant, []).append(e)
    queued = 0
    with make_uow() as uow:
        for tenant, envs in by_tenant.items():
            cards = build_cards(uow, tenant, envs, now, console_url)
            uow.chat.add_cards(cards, now)
            queued += len(cards)
        uow.commit()
    return queued


def enqueue_handler(make_uow: UowFactory, clock: Callable[[], datetime], *,
                    console_url: str = "",
                    on_enqueued: Callable[[], None] | None = None
                    ) -> Callable[[Sequence[Envelope]], None]:
    def handle(envelopes: Sequence[Envelope]) -> None:
        if enqueue(make_uow, envelopes, clock(), console_url) and on_enqueued is not None:
            on_enqueued()

    return handle
