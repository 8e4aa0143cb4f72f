"""The chat adapters: signatures verified per app (good, bad, stale), cards rendered in the
apps' documented shapes, WeCom's encryption round trip, replies."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus, urlsplit

import orjson
import pytest

from orderhub.adapters.chat import dingtalk, slack, wecom
from orderhub.adapters.chat.base import (
    BadCallback,
    Button,
    CallbackRefused,
    CallbackRequest,
    Card,
    Secrets,
)
from orderhub.adapters.chat.registry import APPS
from orderhub.adapters.chat.simulator import ChatSimulator

FIX = Path(__file__).parents[1] / "fixtures" / "chat"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
AES = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # WeCom's documented example key
SECRETS = {
    "dingtalk": Secrets("https://oapi.dingtalk.com/robot/send?access_token=tok", "SECrobot",
                        "dt-app-secret"),
    "wecom": Secrets("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "", "QDG6eK",
                     AES, "wx5823bf96d3bd56c7"),
    "slack": Secrets("https://hooks.slack.com/services/T/B/x", "",
                     "8f742231b10e8888abcd99yyyzzz85a5"),
}
CARD = Card("crd_1", "approval", "Approval needed: split_shipment (L2)", "待审批",
            (("Order 订单", "ord_1"),),
            (Button("approve", "Approve", "批准", "crd_1:approve"),
             Button("reject", "Reject", "驳回", "crd_1:reject")), "https://hub/console")


def test_slack_signature_matches_the_documented_example() -> None:
    body = (FIX / "slack_signing_example.txt").read_bytes()
    assert slack.signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body) == \
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_dingtalk_webhook_is_signed_as_documented() -> None:
    out = APPS["dingtalk"].outbound(CARD, SECRETS["dingtalk"], NOW)
    q = parse_qs(urlsplit(out.url).query)
    ts = q["timestamp"][0]
    assert ts == str(int(NOW.timestamp() * 1000)) and q["access_token"] == ["tok"]
    mac = hmac.new(b"SECrobot", f"{ts}\nSECrobot".encode(), hashlib.sha256).digest()
    assert unquote_plus(out.url.split("sign=")[1]) == base64.b64encode(mac).decode()
    body = orjson.loads(out.body)
    assert body["msgtype"] == "actionCard"
    assert [b["params"]["value"] for b in body["actionCard"]["btns"]] == \
        ["crd_1:approve", "crd_1:reject"]


def test_wecom_and_slack_cards_carry_the_button_values() -> None:
    w = orjson.loads(APPS["wecom"].outbound(CARD, SECRETS["wecom"], NOW).body)
    assert w["template_card"]["card_type"] == "button_interaction"
    assert [b["key"] for b in w["template_card"]["button_list"]] == \
        ["crd_1:approve", "crd_1:reject"]
    s = orjson.loads(APPS["slack"].outbound(CARD, SECRETS["slack"], NOW).body)
    actions = next(b for b in s["blocks"] if b["type"] == "actions")
    assert [e["value"] for e in actions["elements"]] == ["crd_1:approve", "crd_1:reject"]


@pytest.mark.parametrize("app", ["dingtalk", "wecom", "slack"])
def test_a_good_callback_reads_the_action(app: str) -> None:
    req = ChatSimulator.click(app, "crd_1:approve", "U42", SECRETS[app], NOW)
    action = APPS[app].read(req, SECRETS[app], NOW + timedelta(seconds=3))
    assert (action.user_id, action.card_id, action.action) == ("U42", "crd_1", "approve")


def _tampered(app: str, req: CallbackRequest) -> CallbackRequest:
    if app == "wecom":
        return CallbackRequest(req.headers, {**req.query, "msg_signature": "0" * 40}, req.body)
    if app == "dingtalk":
        return CallbackRequest({**req.headers, "sign": "AAAA" + req.headers["sign"][4:]}, {},
                               req.body)
    return CallbackRequest(req.headers, {}, req.body.replace(b"approve", b"reject"))


@pytest.mark.parametrize("app", ["dingtalk", "wecom", "slack"])
def test_a_bad_signature_is_refused(app: str) -> None:
    req = ChatSimulator.click(app, "crd_1:approve", "U42", SECRETS[app], NOW)
    with pytest.raises(CallbackRefused, match=r"signature|missing"):
        APPS[app].read(_tampered(app, req), SECRETS[app], NOW)
    other = Secrets(SECRETS[app].webhook_url, "", "another-secret", AES, "wx5823bf96d3bd56c7")
    with pytest.raises(CallbackRefused):
        APPS[app].read(req, other, NOW)


@pytest.mark.parametrize(("app", "late"), [("dingtalk", 3601), ("wecom", 301),
                                           ("slack", 301)])
def test_a_replayed_callback_is_refused(app: str, late: int) -> None:
    req = ChatSimulator.click(app, "crd_1:approve", "U42", SECRETS[app], NOW)
    with pytest.raises(CallbackRefused, match="replay window"):
        APPS[app].read(req, SECRETS[app], NOW + timedelta(seconds=late))
    APPS[app].read(req, SECRETS[app], NOW + timedelta(seconds=late - 2))  # inside: read


def test_errors_never_carry_secrets() -> None:
    for app, s in SECRETS.items():
        req = ChatSimulator.click(app, "crd_1:approve", "U42", s, NOW)
        try:
            APPS[app].read(_tampered(app, req), s, NOW)
        except CallbackRefused as exc:
            assert s.callback_secret not in str(exc)


def test_wecom_encryption_round_trip_and_wrong_corp() -> None:
    enc = wecom.encrypt(b"<xml>hi</xml>", AES, "wx5823bf96d3bd56c7")
    assert wecom.decrypt(enc, AES, "wx5823bf96d3bd56c7") == b"<xml>hi</xml>"
    with pytest.raises(BadCallback, match="corp id"):
        wecom.decrypt(enc, AES, "another-corp")


def test_wecom_reply_is_an_encrypted_update_button() -> None:
    s = SECRETS["wecom"]
    req = ChatSimulator.click("wecom", "crd_1:approve", "U42", s, NOW)
    action = APPS["wecom"].read(req, s, NOW)
    reply = APPS["wecom"].reply(action, "已批准", s, NOW)
    import xml.etree.ElementTree as ET

    root = ET.fromstring(reply.body)
    enc = root.findtext("Encrypt") or ""
    assert root.findtext("MsgSignature") == wecom.msg_signature(
        "QDG6eK", root.findtext("TimeStamp") or "", root.findtext("Nonce") or "", enc)
    plain = wecom.decrypt(enc, AES, "wx5823bf96d3bd56c7").decode()
    assert "update_button" in plain and "已批准" in plain


def test_a_payload_that_is_not_a_card_action_is_unreadable() -> None:
    s = SECRETS["slack"]
    body = b"payload=" + orjson.dumps({"type": "view_submission"})
    ts = str(int(NOW.timestamp()))
    req = CallbackRequest({"x-slack-request-timestamp": ts,
                           "x-slack-signature": slack.signature(s.callback_secret, ts, body)},
                          {}, body)
    with pytest.raises(BadCallback, match="block_actions"):
        APPS["slack"].read(req, s, NOW)
    forged = ChatSimulator.click("dingtalk", "crd_1:delete", "U1", SECRETS["dingtalk"], NOW)
    with pytest.raises(BadCallback, match="not a card action"):
        APPS["dingtalk"].read(forged, SECRETS["dingtalk"], NOW)


def test_dingtalk_answer_codes() -> None:
    a = APPS["dingtalk"]
    assert a.accepted(200, b'{"errcode":0,"errmsg":"ok"}') == (True, False)
    assert a.accepted(200, b'{"errcode":130101,"errmsg":"send too fast"}') == (False, True)
    assert a.accepted(200, b'{"errcode":310000,"errmsg":"sign not match"}') == (False, False)
    assert dingtalk.sign("s", 1) == base64.b64encode(
        hmac.new(b"s", b"1\ns", hashlib.sha256).digest()).decode()


def test_the_sender_refuses_private_hosts_and_classifies_answers() -> None:
    from orderhub.adapters.chat.sender import ChatSender, card_to_json
    from orderhub.adapters.notify.senders import Outgoing, SendFailed

    def outgoing(url: str) -> Outgoing:
        s = Secrets(url, "", "x")
        return Outgoing("crd_1", "slack", orjson.dumps(s.as_dict()).decode(), "",
                        card_to_json(CARD))

    sender = ChatSender(APPS["slack"], transport=ChatSimulator())  # public_only by default
    with pytest.raises(SendFailed, match="not a public address") as exc:
        sender.send(outgoing("https://127.0.0.1/hooks"))
    assert exc.value.retry is False and "127.0.0.1/hooks" not in str(exc.value)
    sim = ChatSimulator(fail=1)
    sender = ChatSender(APPS["slack"], transport=sim, public_only=False)
    with pytest.raises(SendFailed, match="HTTP 500") as exc:
        sender.send(outgoing("https://hooks.slack.chat.invalid/services/x"))
    assert exc.value.retry is True
    sender.send(outgoing("https://hooks.slack.chat.invalid/services/x"))
    [posted] = sim.cards("slack")
    assert ChatSimulator.buttons(posted) == {"approve": "crd_1:approve",
                                             "reject": "crd_1:reject"}
