"""DingTalk (钉钉): the group robot's webhook out, the interactive card's callback in.

Out (custom robot, 自定义机器人, "加签"): POST the message to the robot's webhook
`https://oapi.dingtalk.com/robot/send?access_token=...` with `timestamp` (milliseconds)
and `sign` = url-encoded base64(HMAC-SHA256(key=secret, "{timestamp}\\n{secret}")) in the
query. The card is an `actionCard` (title, markdown text, buttons); the answer is JSON
with `errcode` 0 when taken (130101: sent too fast, worth retrying).

In (the card's callback, 卡片回调): the app POSTs JSON with `outTrackId` (the card), `userId`
(the clicker's staff id) and `content`, a JSON string whose `cardPrivateData` holds the
`actionIds` and `params` of the button; the request carries headers `timestamp`
(milliseconds) and `sign` = base64(HMAC-SHA256(key=app secret, "{timestamp}\\n{app
secret}")), refused when the timestamp is more than an hour from now. The answer may
update the card (`cardData.cardParamMap`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote_plus

import orjson

from orderhub.adapters.chat.base import (
    APPROVE,
    BadCallback,
    CallbackRefused,
    CallbackRequest,
    Card,
    CardAction,
    Outbound,
    Reply,
    Secrets,
    fresh,
    split_value,
)

WINDOW_SECONDS = 3600.0  # the documented hour


def sign(secret: str, timestamp_ms: int | str) -> str:
    """base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")), not url-encoded."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def signed_url(webhook_url: str, secret: str, now: datetime) -> str:
    if not secret:
        return webhook_url
    ts = int(now.timestamp() * 1000)
    sep = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{sep}timestamp={ts}&sign={quote_plus(sign(secret, ts))}"


def message(card: Card) -> dict[str, object]:
    text = [f"### {card.title_zh}", f"{card.title}", ""]
    text += [f"- **{k}**: {v}" for k, v in card.facts]
    body: dict[str, object] = {"title": card.title_zh, "text": "\n".join(text),
                               "btnOrientation": "1"}
    if card.buttons:
        body["btns"] = [{"title": f"{b.label_zh} {b.label}", "actionURL": card.link,
                         "actionId": b.action, "params": {"value": b.value}}
                        for b in card.buttons]
    elif card.link:
        body["singleTitle"], body["singleURL"] = "查看 View", card.link
    return {"msgtype": "actionCard", "actionCard": body}


class DingTalkAdapter:
    name = "dingtalk"

    def outbound(self, card: Card, secrets: Secrets, now: datetime) -> Outbound:
        return Outbound(signed_url(secrets.webhook_url, secrets.signing_secret, now),
                        orjson.dumps(message(card)),
                        {"content-type": "application/json; charset=utf-8"})

    def accepted(self, status: int, body: bytes) -> tuple[bool, bool]:
        if status != 200:
            return False, status == 429 or status >= 500
        try:
            code = int(orjson.loads(body).get("errcode", -1))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            return False, True
        return code == 0, code in (-1, 130101)

    def read(self, request: CallbackRequest, secrets: Secrets, now: datetime) -> CardAction:
        ts, given = request.headers.get("timestamp", ""), request.headers.get("sign", "")
        if not ts or not given or not secrets.callback_secret:
            raise CallbackRefused("timestamp or sign header missing")
        if not hmac.compare_digest(sign(secrets.callback_secret, ts).encode(),
                                   given.encode()):
            raise CallbackRefused("signature does not match")
        try:
            fresh(int(ts) / 1000, now, WINDOW_SECONDS)
        except ValueError:
            raise CallbackRefused("timestamp is not a number") from None
        try:
            doc = orjson.loads(request.body)
            content = doc["content"]
            private = (orjson.loads(content) if isinstance(content, str)
                       else content)["cardPrivateData"]
            params = private.get("params") or {}
            user = str(doc["userId"])
            value = str(params.get("value", ""))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise BadCallback("not a DingTalk card callback (outTrackId, userId, "
                              "content.cardPrivateData)") from None
        card_id, action = split_value(value)
        if str(doc.get("outTrackId", card_id)) != card_id:
            raise BadCallback("the button belongs to another card")
        # the sign covers the timestamp only, not the body: the pair is good for one body
        return CardAction(user, card_id, action, str(params.get("reason", ""))[:500],
                          replay_key=f"{ts}:{given}"[:120])

    def reply(self, action: CardAction, text: str, secrets: Secrets, now: datetime) -> Reply:
        body = {"cardData": {"cardParamMap": {"status": text}},
                "cardUpdateOptions": {"updateCardDataByKey": True}}
        return Reply(200, "application/json", orjson.dumps(body))


def callback(card_id: str, value: str, user_id: str, app_secret: str, now: datetime, *,
             reason: str = "") -> CallbackRequest:
    """A card callback as DingTalk sends it (the simulator and tests)."""
    ts = str(int(now.timestamp() * 1000))
    action = value.rpartition(":")[2]
    content = {"cardPrivateData": {"actionIds": [action or APPROVE],
                                   "params": {"value": value, "reason": reason}}}
    body = orjson.dumps({"outTrackId": card_id, "corpId": "ding_corp", "userId": user_id,
                         "content": orjson.dumps(content).decode()})
    return CallbackRequest({"timestamp": ts, "sign": sign(app_secret, ts),
                            "content-type": "application/json"}, {}, body)
