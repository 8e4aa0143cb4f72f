"""Approvals and alerts in chat apps (issue 19 item 3), pure: which events become which
cards, what a card says (English and Chinese), the channels' subjects, and the checks on a
channel and an identity mapping. Cards go out through `adapters/chat`; a click comes back
as the desk's own approve/reject, acting as the hub user the chat user is mapped to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orderhub.domain.errors import FieldError

APPS = ("dingtalk", "wecom", "slack")

APPROVALS = "approvals"  # remedies awaiting approval (L2 four-eyes, L3)
ALERTS = "alerts"  # the twin's alerts: stalled, at risk, escalated
RULE_SETS = "rule_sets"  # rule sets moving towards activation (tested, canary, active)
SUBJECTS = (APPROVALS, ALERTS, RULE_SETS)

SUBJECT_OF: dict[str, str] = {
    "RemedyProposed": APPROVALS,
    "OrderStalled": ALERTS,
    "OrderAtRisk": ALERTS,
    "AlertEscalated": ALERTS,
    "RuleSetChanged": RULE_SETS,
}
CONSUMED_TYPES = tuple(SUBJECT_OF)

APPROVAL, ACTIVATION, ALERT, INFO = "approval", "activation", "alert", "info"

_USER_ID = re.compile(r"^[A-Za-z0-9_.@:\-]{1,128}$")


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    tenant_id: str
    app: str
    name: str
    subjects: frozenset[str]
    enabled: bool
    created_at: datetime
    created_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "app": self.app, "name": self.name,
                "subjects": sorted(self.subjects), "enabled": self.enabled,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by}


@dataclass(frozen=True, slots=True)
class Identity:
    tenant_id: str
    app: str
    chat_user_id: str
    login: str
    mapped_at: datetime
    mapped_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"app": self.app, "chat_user_id": self.chat_user_id, "login": self.login,
                "mapped_at": self.mapped_at.isoformat(), "mapped_by": self.mapped_by}


@dataclass(frozen=True, slots=True)
class CardRecord:
    """A card queued for one channel; the approval's exception and remedy when it has
    buttons (the callback finds them here, never in what the app sends back)."""

    id: str
    tenant_id: str
    channel_id: str
    kind: str
    event_id: str
    body: str  # the card (adapters/chat/sender.card_to_json)
    created_at: datetime
    order_id: str = ""
    exception_id: str = ""
    remedy_n: int = 0
    proposal_id: str = ""
    rule_set_id: int = 0
    requested_by: str = ""


@dataclass(frozen=True, slots=True)
class Content:
    kind: str
    title: str
    title_zh: str
    facts: tuple[tuple[str, str], ...] = ()
    approvable: bool = False
    link: str = ""
    refs: dict[str, Any] = field(default_factory=dict)


def check_channel(app: str, name: str, subjects: list[str], webhook_url: str,
                  callback_secret: str, aes_key: str, receive_id: str) -> list[FieldError]:
    errors = []
    if app not in APPS:
        errors.append(FieldError("app", f"unknown chat app '{app}'; one of {', '.join(APPS)}"))
    if not name.strip() or len(name) > 100:
        errors.append(FieldError("name", "a name of 1 to 100 characters"))
    bad = [s for s in subjects if s not in SUBJECTS]
    if bad or not subjects:
        errors.append(FieldError("subjects", f"one or more of {', '.join(SUBJECTS)}"
                                 + (f"; unknown: {', '.join(bad)}" if bad else "")))
    if not webhook_url.startswith("https://") or len(webhook_url) < 12:
        errors.append(FieldError("webhook_url", "the app's webhook, an https:// URL"))
    if not callback_secret:
        errors.append(FieldError("callback_secret", "the secret the app signs its callbacks "
                                 "with (DingTalk app secret, Slack signing secret, WeCom "
                                 "Token)"))
    if app == "wecom":
        if len(aes_key) != 43:
            errors.append(FieldError("aes_key", "WeCom's EncodingAESKey: 43 characters"))
        if not receive_id:
            errors.append(FieldError("receive_id", "WeCom's corp id (CorpID)"))
    return errors


def check_identity(app: str, chat_user_id: str) -> list[FieldError]:
    errors = []
    if app not in APPS:
        errors.append(FieldError("app", f"unknown chat app '{app}'; one of {', '.join(APPS)}"))
    if not _USER_ID.match(chat_user_id):
        errors.append(FieldError("chat_user_id", "the app's user id: 1 to 128 letters, "
                                 "digits or _ . @ : -"))
    return errors


def content(event_type: str, data: Mapping[str, Any], order_id: str, console: str
            ) -> Content:
    """What a card says about one event (both languages); `console` is the console's base
    URL ("" leaves the link out)."""
    base = console.rstrip("/")
    if event_type == "RemedyProposed":
        exc = str(data.get("exception_id", ""))
        return Content(
            APPROVAL, f"Approval needed: {data.get('remedy')} ({data.get('tier')})",
            f"待审批：补救方案 {data.get('remedy')}（{data.get('tier')}）",
            (("Order 订单", order_id), ("Exception 异常", exc),
             ("Cost change 成本变化", f"{data.get('cost_delta')} CNY"),
             ("Delay 延迟", f"{data.get('delay_days')} d"),
             ("Approvals 审批数", str(data.get("approvals_needed"))),
             ("Expires 过期", str(data.get("expires_at", ""))[:16])),
            True, f"{base}/console/exceptions/{exc}" if base else "",
            {"exception_id": exc, "proposal_id": str(data.get("proposal_id", ""))})
    if event_type in ("OrderStalled", "OrderAtRisk", "AlertEscalated"):
        what = {"OrderStalled": ("Order stalled", "订单停滞"),
                "OrderAtRisk": ("Order at risk", "订单有延误风险"),
                "AlertEscalated": ("Alert escalated", "告警已升级")}[event_type]
        facts = [("Order 订单", order_id), ("Team 团队", str(data.get("team", "")))]
        if "stage" in data:
            facts.append(("Stage 阶段", str(data["stage"])))
        if "risk" in data:
            facts.append(("Risk 风险", f"{float(data['risk']):.0%}"))
        if "level" in data:
            facts.append(("Level 级别", str(data["level"])))
        return Content(ALERT, what[0], what[1], tuple(facts), False,
                       f"{base}/console/orders/{order_id}" if base and order_id else "")
    if event_type == "RuleSetChanged" and data.get("state") == "canary":
        # in canary: its activation awaits a rules approver (not the one who asked)
        return Content(
            ACTIVATION, f"Activate rule set v{data.get('version')}? (in canary)",
            f"是否启用规则集 v{data.get('version')}？（灰度中）",
            (("Rule set 规则集", f"v{data.get('version')}"),
             ("Requested by 申请人", str(data.get("actor", ""))),
             ("Reason 原因", str(data.get("reason", ""))[:100])), True,
            f"{base}/console/rules" if base else "",
            {"rule_set_id": int(data.get("rule_set", 0)),
             "requested_by": str(data.get("actor", ""))})
    if event_type == "RuleSetChanged":
        state = str(data.get("state", ""))
        return Content(
            INFO, f"Rule set {data.get('rule_set')} v{data.get('version')}: "
            f"{data.get('change')}",
            f"规则集 {data.get('rule_set')} v{data.get('version')}：{data.get('change')}",
            (("State 状态", state),), False,
            f"{base}/console/rules" if base else "")
    raise ValueError(f"no card for {event_type}")
