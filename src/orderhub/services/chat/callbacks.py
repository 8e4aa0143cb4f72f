"""A card's button, clicked in a chat app, decided through the desk.

    channel (from the callback URL) -> its app and secrets -> the adapter verifies the
    signature and freshness (CallbackRefused: 401, logged without secrets) and reads the
    action -> the card (ours, of this channel, an approval) -> the chat user's hub user
    (unmapped or disabled: refused with a reply on the card) -> `desk.decide`, the very
    use case the console's and the API's approve/reject call, acting as `user:<login>`:
    four-eyes, L3 and expiry are the desk's checks, and its refusals become the reply.
    A rule set's activation card (a canary) calls `rules/rollout.activate` (approve) or
    `rollback` (reject), by a user with rules:approve other than the one who asked.

The answer is the app's reply (the clicker sees it on the card); the outcome is returned
for the caller to void a recalled order's waybills after the commit, as the API does.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orderhub.adapters.chat import wecom
from orderhub.adapters.chat.base import (
    APPROVE,
    BadCallback,
    CallbackRefused,
    CallbackRequest,
    CardAction,
    Reply,
    Secrets,
)
from orderhub.adapters.chat.registry import APPS
from orderhub.domain import chat
from orderhub.domain.access import Scope, effective_scopes
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, DomainError, Forbidden, NotFound
from orderhub.services.exceptions import desk
from orderhub.services.rules import rollout
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)

# how long a callback's signature is remembered: past every app's freshness window (an hour)
_KEEP_SEEN = timedelta(hours=2)


class Refused(Exception):
    """Not a callback of this channel (bad signature, stale, no such channel): 401."""


class Unreadable(Exception):
    """Signed, but not a card action: 400."""


@dataclass(frozen=True, slots=True)
class Handled:
    reply: Reply
    outcome: str  # approved | applied | rejected | activated | rolled_back | refused
    tenant_id: str = ""
    desk_result: dict[str, Any] | None = None
    text: str = ""  # what the reply says (kept for a repeated callback)


def _refuse(app: str, channel_id: str, why: str) -> Refused:
    # the reason only: never the signature, the secret or the body
    log.warning("chat callback refused: app=%s channel=%s: %s", app, channel_id[:40], why)
    return Refused(why)


def handle(make_uow: UowFactory, app: str, channel_id: str, request: CallbackRequest, *,
           now: datetime, presale_lock: timedelta | None = None,
           strategy: AllocationStrategy | None = None) -> Handled:
    adapter = APPS.get(app)
    if adapter is None:
        raise _refuse(app[:20], channel_id, "unknown chat app")
    with make_uow() as uow:
        channel = uow.chat.channel(channel_id) if channel_id else None
        if channel is None or channel.app != app:
            raise _refuse(app, channel_id, "no such channel for this app")
        if not channel.enabled:  # switched off: its cards decide nothing any more
            raise _refuse(app, channel_id, "the channel is disabled")
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
        return Handled(adapter.reply(action, text, secrets, now), outcome, tenant, result,
                       text)

    # Replay protection: a verified request (its signature) decides once. The same request
    # again (an app's retry, a replay inside the freshness window) gets the first answer;
    # its signature with another body (DingTalk signs the timestamp only) is refused.
    key, digest = action.replay_key, hashlib.sha256(request.body).hexdigest()
    if key:
        with make_uow() as uow:
            seen = uow.chat.claim_callback(channel.id, key, digest, now, now - _KEEP_SEEN)
            uow.commit()
        if seen is not None:
            if seen["body_sha256"] != digest:
                raise _refuse(app, channel.id, "its signature was used by another request")
            log.info("chat callback seen before: app=%s channel=%s", app, channel.id)
            if seen["outcome"]:
                return answer(str(seen["answer"]), str(seen["outcome"]))
            return answer("已收到，正在处理 / Received already; being handled", "refused")
    done = _decide(make_uow, app, channel, action, now=now, presale_lock=presale_lock,
                   strategy=strategy, answer=answer)
    if key:
        with make_uow() as uow:
            uow.chat.answer_callback(channel.id, key, done.outcome, done.text)
            uow.commit()
    return done


def _decide(make_uow: UowFactory, app: str, channel: chat.Channel, action: CardAction, *,
            now: datetime, presale_lock: timedelta | None,
            strategy: AllocationStrategy | None,
            answer: Callable[..., Handled]) -> Handled:
    tenant = channel.tenant_id
    with make_uow() as uow:
        card = uow.chat.card(action.card_id)
        ident = uow.chat.identity(tenant, app, action.user_id)
        user = uow.access.user(tenant, login=ident.login) if ident else None
    if card is None or card["channel_id"] != channel.id or not (
            (card["kind"] == chat.APPROVAL and card["remedy_n"])
            or (card["kind"] == chat.ACTIVATION and card["rule_set_id"])):
        raise Unreadable("the button is not one of this channel's approval cards")
    if ident is None or user is None or user.disabled_at is not None:
        log.info("chat callback from an unmapped user: app=%s channel=%s", app, channel.id)
        return answer("未关联订单中心用户，请联系管理员绑定后再审批 / Your chat account is not "
                      "linked to a hub user; ask an administrator to map it", "refused")
    scopes = effective_scopes(user.role, user.scopes or None)
    actor = f"user:{user.login}"
    via = f"via {app} card {card['id']}"
    if card["kind"] == chat.ACTIVATION:
        return _rule_set(make_uow, card, action.action, actor, scopes, via, now, strategy,
                         answer)
    if Scope.EXCEPTIONS_APPROVE not in scopes:
        return answer(f"{user.login} 无审批权限 / {user.login} may not approve remedies "
                      "(exceptions:approve)", "refused")
    if user.warehouses:
        return answer(f"{user.login} 仅限部分仓库，请在控制台审批 / {user.login} is bound to "
                      "warehouses; decide in the console", "refused")
    reason = f"{action.reason} ({via})".strip()
    kwargs: dict[str, Any] = {"presale_lock": presale_lock} if presale_lock else {}
    try:
        result = desk.decide(make_uow, tenant, card["exception_id"], int(card["remedy_n"]),
                             approve_it=action.action == APPROVE, actor=actor,
                             reason=reason if action.action == APPROVE
                             else (action.reason or f"rejected on the {app} card"),
                             now=now, proposal_id=str(card["proposal_id"]), **kwargs)
    except desk.StaleRemedy as exc:
        return answer(f"方案已过时，请在控制台重新选择 / The remedy is out of date: "
                      f"{'; '.join(exc.reasons)[:200]}", "refused")
    except DomainError as exc:
        return answer(f"未执行：{_zh_reason(exc)} / Not done: {str(exc)[:300]}", "refused")
    done = result["outcome"]
    text = {"applied": "已批准并执行 / Approved and applied",
            "approved": "已批准，等待其他审批人 / Approved; awaiting other approvers",
            "rejected": "已驳回 / Rejected"}[done]
    return answer(f"{text} ({user.login})", done, result)


def _zh_reason(exc: DomainError) -> str:
    """The desk's refusal, in Chinese, by its kind (its message is English)."""
    if isinstance(exc, Forbidden):
        return "无权执行（提案人不能审批自己的方案，L3 须由本人审批）"
    if isinstance(exc, Conflict):
        return "该方案已处理、已过期或已变更"
    if isinstance(exc, NotFound):
        return "未找到该方案"
    return "输入有误"


def verify_url(make_uow: UowFactory, app: str, channel_id: str, query: dict[str, str], *,
               now: datetime) -> bytes:
    """WeCom's check of the callback URL when it is registered: the decrypted `echostr`
    (Refused when the signature or the channel does not hold)."""
    if app != "wecom":
        raise _refuse(app[:20], channel_id, "only WeCom verifies a callback URL by GET")
    with make_uow() as uow:
        channel = uow.chat.channel(channel_id) if channel_id else None
        if channel is None or channel.app != app:
            raise _refuse(app, channel_id, "no such channel for this app")
        secrets = Secrets.from_dict(uow.chat.secrets(channel))
    try:
        return wecom.verify_url(query, secrets, now)
    except CallbackRefused as exc:
        raise _refuse(app, channel_id, str(exc)) from None


def _rule_set(make_uow: UowFactory, card: dict[str, Any], what: str, actor: str,
              scopes: frozenset[Scope], via: str, now: datetime,
              strategy: AllocationStrategy | None,
              answer: Callable[[str, str], Handled]) -> Handled:
    """A canary's activation (approve) or rollback (reject), the console's own calls, by
    a rules approver who is not the one who put it in canary (four-eyes on the card)."""
    if Scope.RULES_APPROVE not in scopes:
        return answer(f"{actor} 无规则审批权限 / {actor} may not activate rule sets "
                      "(rules:approve)", "refused")
    if actor == card["requested_by"]:
        return answer(f"{actor} 提交了此规则集，须由他人批准 / {actor} asked for this "
                      "activation and cannot approve it: another person must (four-eyes)",
                      "refused")
    if strategy is None:
        return answer("请在控制台操作 / Decide in the console", "refused")
    tenant, set_id = str(card["tenant_id"]), int(card["rule_set_id"])
    try:
        if what == APPROVE:
            rollout.activate(make_uow, tenant, set_id, actor=actor,
                             reason=f"approved {via}", now=now, strategy=strategy)
        else:
            rollout.rollback(make_uow, tenant, set_id, actor=actor,
                             reason=f"rejected {via}", now=now, strategy=strategy,
                             canary_only=True)
    except DomainError as exc:
        return answer(f"未执行：{_zh_reason(exc)} / Not done: {str(exc)[:300]}", "refused")
    if what == APPROVE:
        return answer(f"规则集已启用 / Rule set activated ({actor})", "activated")
    return answer(f"规则集已回滚 / Rule set rolled back ({actor})", "rolled_back")
