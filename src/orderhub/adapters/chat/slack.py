"""Slack: Block Kit messages out through an incoming webhook, interactivity payloads in.

Out: POST `{"text", "blocks"}` to the incoming webhook (`https://hooks.slack.com/...`):
a header, the facts as mrkdwn fields, and an `actions` block whose buttons carry
`action_id` and `value`; Slack answers `ok` (429 and 5xx are worth retrying).

In: Slack POSTs `application/x-www-form-urlencoded` with one field `payload` (JSON, type
`block_actions`: `user.id`, `actions[].value`, `response_url`), signed with the app's
signing secret: `X-Slack-Signature` = "v0=" + hex(HMAC-SHA256(secret,
"v0:{X-Slack-Request-Timestamp}:{raw body}")); a timestamp more than five minutes from
now is refused (replay). The answer's JSON is shown to the clicker (ephemeral).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qs, urlencode

import orjson

from orderhub.adapters.chat.base import (
    BadCallback,
    CallbackRefused,
    CallbackRequest,
    Card,
    CardAction,
    Outbound,
    Reply,
    Secrets,
    fresh,
    http_outcome,
    split_value,
)

WINDOW_SECONDS = 300.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def message(card: Card) -> dict[str, object]:
    blocks: list[dict[str, object]] = [
        {"type": "header", "text": {"type": "plain_text", "text": card.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": card.title_zh[:3000]}},
    ]
    if card.facts:
        blocks.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in card.facts[:10]]})
    if card.buttons:
        blocks.append({"type": "actions", "block_id": card.id, "elements": [
            {"type": "button", "action_id": f"hub_{b.action}",
             "text": {"type": "plain_text", "text": f"{b.label} {b.label_zh}"},
             "value": b.value, "style": "primary" if b.action == "approve" else "danger"}
            for b in card.buttons]})
    if card.link:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"<{card.link}|console>"}]})
    return {"text": f"{card.title} / {card.title_zh}", "blocks": blocks}


class SlackAdapter:
    name = "slack"

    def outbound(self, card: Card, secrets: Secrets, now: datetime) -> Outbound:
        return Outbound(secrets.webhook_url, orjson.dumps(message(card)),
                        {"content-type": "application/json"})

    def accepted(self, status: int, body: bytes) -> tuple[bool, bool]:
        return http_outcome(status)

    def read(self, request: CallbackRequest, secrets: Secrets, now: datetime) -> CardAction:
        ts = request.headers.get("x-slack-request-timestamp", "")
        given = request.headers.get("x-slack-signature", "")
        if not ts or not given or not secrets.callback_secret:
            raise CallbackRefused("X-Slack-Request-Timestamp or X-Slack-Signature missing")
        if not hmac.compare_digest(signature(secrets.callback_secret, ts,
                                             request.body).encode(), given.encode()):
            raise CallbackRefused("signature does not match")
        try:
            fresh(float(ts), now, WINDOW_SECONDS)
        except ValueError:
            raise CallbackRefused("timestamp is not a number") from None
        try:
            form = parse_qs(request.body.decode(), strict_parsing=True)
            payload = orjson.loads(form["payload"][0])
            if payload.get("type") != "block_actions":
                raise BadCallback(f"payload type '{payload.get('type')}' is not a button "
                                  "click (block_actions)")
            user = str(payload["user"]["id"])
            value = str(payload["actions"][0]["value"])
            response_url = str(payload.get("response_url", ""))
        except BadCallback:
            raise
        except (UnicodeDecodeError, ValueError, KeyError, IndexError, TypeError,
                orjson.JSONDecodeError):
            raise BadCallback("not a Slack interactivity payload (payload=block_actions "
                              "with user.id and actions[].value)") from None
        card_id, action = split_value(value)
        return CardAction(user, card_id, action, "",
                          {"response_url": response_url} if response_url else {},
                          replay_key=given[:120])

    def reply(self, action: CardAction, text: str, secrets: Secrets, now: datetime) -> Reply:
        return Reply(200, "application/json", orjson.dumps(
            {"response_type": "ephemeral", "replace_original": False, "text": text}))


def callback(card_id: str, value: str, user_id: str, signing_secret: str,
             now: datetime) -> CallbackRequest:
    """A block_actions interactivity request as Slack sends it (simulator and tests)."""
    payload = {"type": "block_actions", "user": {"id": user_id, "username": user_id,
                                                 "team_id": "T0001"},
               "api_app_id": "A0001", "container": {"type": "message"},
               "response_url": "https://hooks.slack.com/actions/T0001/1/x",
               "actions": [{"type": "button", "block_id": card_id,
                            "action_id": f"hub_{value.rpartition(':')[2]}", "value": value,
                            "action_ts": f"{now.timestamp():.6f}"}]}
    body = urlencode({"payload": orjson.dumps(payload).decode()}).encode()
    ts = str(int(now.timestamp()))
    return CallbackRequest({"x-slack-request-timestamp": ts,
                            "x-slack-signature": signature(signing_secret, ts, body),
                            "content-type": "application/x-www-form-urlencoded"}, {}, body)
