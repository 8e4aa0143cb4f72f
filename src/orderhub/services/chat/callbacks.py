"""A card's button, clicked in a chat app, decided through the desk.

    channel (from the callback URL) -> its app and secrets -> the adapter verifies the
    signature and freshness (CallbackRefused: 401, logged without secrets) and reads the
    action -> the card (ours, of this channel, an approval) -> the chat user's hub user
    (unmapped or disabled: refused with a reply on the card) -> `desk.decide`, the very
    use case the console's and the API's approve/reject call, acting as `user:<login>`:
    four-eyes, L3 and expiry are the desk's checks, and its refusals become the reply.

The answer is the app's reply (the clicker sees it on the card); the outcome is returned
for the caller to void a recalled order's waybills after the commit, as the API does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orderhub.adapters.chat.base import (
    APPROVE,
    BadCallback,
    CallbackRefused,
    CallbackRequest,
    Reply,
    Secrets,
)
from orderhub.adapters.chat.registry import APPS
from orderhub.domain import chat
from orderhub.domain.access import Scope, effective_scopes
from orderhub.domain.errors import DomainError
from orderhub.services.exceptions import desk
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)


class Refused(Exception):
    """Not a callback of this channel (bad signature, stale, no such channel): 401."""


class Unreadable(Exception):
    """Signed, but not a card action: 400."""


@dataclass(frozen=True, slots=True)
class Handled:
    reply: Reply
    outcome: str  # approved | applied | rejected | refused
    tenant_id: str = ""
    desk_result: dict[str, Any] | None = None


def _refuse(app: str, channel_id: str, why: str) -> Refused:
    # the reason only: never the signature, the secret or the body
    log.warning("chat callback refused: app=%s channel=%s: %s", app, channel_id[:40], why)
    return Refused(why)


def handle(make_uow: UowFactory, app: str, channel_id: str, request: CallbackRequest, *,
           now: datetime, presale_lock: timedelta | None = None) -> Handled:
    adapter = APPS.get(app)
    if adapter is None:
        raise _refuse(app[:20], channel_id, "unknown chat app")
    with make_uow() as uow:
        channel = uow.chat.channel(channel_id) if channel_id else None
        if channel is None or channel.app != app:
            raise _refuse(app, channel_id, "no such channel for this app")
        secrets = Secrets.from_dict(uow.chat.secrets(channel))
    try:
        action = adapter.read(request, secrets, now)
    except CallbackRefused as exc:
        raise _refuse(app, channel_id, str(exc)) from None
    except BadCallback as exc:
        log.warning("chat callback unreadable: app=%s channel=%s: %s", app, channel_id[:40],
                    exc)
        raise Unreadable(str(exc)) from None
    tenant = channel.tenant_id

    def answer(text: str, outcome: str, result: dict[str, Any] | None = None) -> Handled:
        return Handled(adapter.reply(action, text, secrets, now), outcome, tenant, result)

    with make_uow() as uow:
        card = uow.chat.card(action.card_id)
        ident = uow.chat.identity(tenant, app, action.user_id)
        user = uow.access.user(tenant, login=ident.login) if ident else None
    if card is None or card["channel_id"] != channel.id or card["kind"] != chat.APPROVAL \
            or not card["remedy_n"]:
        raise Unreadable("the button is not one of this channel's approval cards")
    if ident is None or user is None or user.disabled_at is not None:
        log.info("chat callback from an unmapped user: app=%s channel=%s", app, channel.id)
        return answer("未关联订单中心用户，请联系管理员绑定后再审批 / Your chat account is not "
                      "linked to a hub user; ask an administrator to map it", "refused")
    if Scope.EXCEPTIONS_APPROVE not in effective_scopes(user.role, user.scopes or None):
        return answer(f"{user.login} 无审批权限 / {user.login} may not approve remedies "
                      "(exceptions:approve)", "refused")
    if user.warehouses:
        return answer(f"{user.login} 仅限部分仓库，请在控制台审批 / {user.login} is bound to "
                      "warehouses; decide in the console", "refused")
    actor = f"user:{user.login}"
    reason = f"{action.reason} (via {app} card {card['id']})".strip()
    kwargs: dict[str, Any] = {"presale_lock": presale_lock} if presale_lock else {}
    try:
        result = desk.decide(make_uow, tenant, card["exception_id"], int(card["remedy_n"]),
                             approve_it=action.action == APPROVE, actor=actor,
                             reason=reason if action.action == APPROVE
                             else (action.reason or f"rejected on the {app} card"),
                             now=now, **kwargs)
    except desk.StaleRemedy as exc:
        return answer(f"方案已过时，请在控制台重新选择 / The remedy is out of date: "
                      f"{'; '.join(exc.reasons)[:200]}", "refused")
    except DomainError as exc:
        return answer(f"未执行 / Not done: {str(exc)[:300]}", "refused")
    done = result["outcome"]
    text = {"applied": "已批准并执行 / Approved and applied",
            "approved": "已批准，等待其他审批人 / Approved; awaiting other approvers",
            "rejected": "已驳回 / Rejected"}[done]
    return answer(f"{text} ({user.login})", done, result)
