"""WeCom (企业微信): template cards out through the group robot, encrypted callbacks in.

Out: POST `{"msgtype": "template_card", "template_card": {...}}` to the robot's webhook
(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...`): `card_type`
`button_interaction` with `main_title`, `horizontal_content_list` (the facts), `task_id`
(the card) and `button_list` (each button's `key` comes back in the callback); the answer
is JSON with `errcode` 0 (-1 busy and 45009 over the frequency limit are worth retrying).

In (the app's callback, 回调): POST `?msg_signature=&timestamp=&nonce=` with XML whose
`Encrypt` is the payload, AES-256-CBC under the EncodingAESKey (base64 of the 43
characters + "="; the IV is the key's first 16 bytes; PKCS#7 padding to 32 bytes) of
random(16) + length(4, network order) + message + the corp id. `msg_signature` =
SHA1 of the sorted concatenation of token, timestamp, nonce and `Encrypt`. The message is
XML: `FromUserName` (the clicker's userid), `Event` `template_card_event`, `EventKey` (the
button's key), `TaskId`. A passive answer is encrypted the same way: `update_button`
replaces the button's text with ours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import xml.etree.ElementTree as ET
from datetime import datetime
from xml.sax.saxutils import escape

import orjson
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

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
    split_value,
)

WINDOW_SECONDS = 300.0
_BLOCK = 32


def msg_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()
                        ).hexdigest()


def _key(aes_key: str) -> bytes:
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except ValueError:
        raise CallbackRefused("the EncodingAESKey is not 43 base64 characters") from None
    if len(key) != 32:
        raise CallbackRefused("the EncodingAESKey is not 43 base64 characters")
    return key


def encrypt(plain: bytes, aes_key: str, receive_id: str, *, salt: bytes | None = None
            ) -> str:
    key = _key(aes_key)
    raw = (salt or os.urandom(16)) + struct.pack(">I", len(plain)) + plain \
        + receive_id.encode()
    pad = _BLOCK - len(raw) % _BLOCK
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


def decrypt(text: str, aes_key: str, receive_id: str) -> bytes:
    key = _key(aes_key)
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        raise BadCallback("Encrypt is not base64") from None
    if not data or len(data) % 16:
        raise BadCallback("Encrypt is not whole AES blocks")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = dec.update(data) + dec.finalize()
    pad = raw[-1]
    if not 1 <= pad <= _BLOCK or len(raw) < 20 + pad:
        raise BadCallback("Encrypt does not decrypt under this EncodingAESKey")
    raw = raw[:-pad]
    (size,) = struct.unpack(">I", raw[16:20])
    message, tail = raw[20:20 + size], raw[20 + size:]
    if len(message) != size or tail.decode(errors="replace") != receive_id:
        raise BadCallback("the decrypted message is not for this corp id")
    return message


def _xml(body: bytes) -> ET.Element:
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadCallback("XML with a DTD is refused")
    try:
        return ET.fromstring(body)
    except ET.ParseError:
        raise BadCallback("the body is not XML") from None


def message(card: Card) -> dict[str, object]:
    tc: dict[str, object] = {
        "card_type": "button_interaction" if card.buttons else "text_notice",
        "main_title": {"title": card.title_zh[:26], "desc": card.title[:30]},
        "horizontal_content_list": [{"keyname": k[:5], "value": v[:30]}
                                    for k, v in card.facts[:6]],
        "task_id": card.id,
    }
    if card.buttons:
        tc["button_list"] = [{"text": b.label_zh, "style": 1 if b.action == "approve" else 2,
                              "key": b.value} for b in card.buttons]
    if card.link:
        tc["card_action"] = {"type": 1, "url": card.link}
    return {"msgtype": "template_card", "template_card": tc}


class WeComAdapter:
    name = "wecom"

    def outbound(self, card: Card, secrets: Secrets, now: datetime) -> Outbound:
        return Outbound(secrets.webhook_url, orjson.dumps(message(card)),
                        {"content-type": "application/json"})

    def accepted(self, status: int, body: bytes) -> tuple[bool, bool]:
        if status != 200:
            return False, status == 429 or status >= 500
        try:
            code = int(orjson.loads(body).get("errcode", -1))
        except (orjson.JSONDecodeError, AttributeError, TypeError, ValueError):
            return False, True
        return code == 0, code in (-1, 45009)

    def read(self, request: CallbackRequest, secrets: Secrets, now: datetime) -> CardAction:
        q = request.query
        sig, ts, nonce = q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
        if not sig or not ts or not nonce or not secrets.callback_secret:
            raise CallbackRefused("msg_signature, timestamp or nonce missing")
        try:
            node = _xml(request.body).find("Encrypt")
        except BadCallback:
            raise CallbackRefused("the body is not the app's XML") from None
        encrypted = (node.text or "") if node is not None else ""
        if not encrypted:
            raise CallbackRefused("Encrypt missing")
        if not hmac.compare_digest(msg_signature(secrets.callback_secret, ts, nonce,
                                                 encrypted).encode(), sig.encode()):
            raise CallbackRefused("signature does not match")
        try:
            fresh(float(ts), now, WINDOW_SECONDS)
        except ValueError:
            raise CallbackRefused("timestamp is not a number") from None
        inner = _xml(decrypt(encrypted, secrets.aes_key, secrets.receive_id))

        def text(tag: str) -> str:
            found = inner.find(tag)
            return (found.text or "").strip() if found is not None else ""

        if text("Event") != "template_card_event":
            raise BadCallback(f"event '{text('Event')[:40]}' is not a card button click "
                              "(template_card_event)")
        user, value = text("FromUserName"), text("EventKey")
        if not user:
            raise BadCallback("FromUserName missing")
        card_id, action = split_value(value)
        if text("TaskId") and text("TaskId") != card_id:
            raise BadCallback("the button belongs to another card")
        return CardAction(user, card_id, action, "",
                          {"to": user, "from": text("ToUserName"), "nonce": nonce},
                          replay_key=sig[:120])

    def reply(self, action: CardAction, text: str, secrets: Secrets, now: datetime) -> Reply:
        ts = str(int(now.timestamp()))
        plain = (f"<xml><ToUserName><![CDATA[{escape(action.reply_to.get('to', ''))}]]>"
                 f"</ToUserName><FromUserName><![CDATA["
                 f"{escape(action.reply_to.get('from', ''))}]]></FromUserName>"
                 f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[update_button]]></MsgType>"
                 f"<Button><ReplaceName><![CDATA[{escape(text[:60])}]]></ReplaceName>"
                 "</Button></xml>").encode()
        nonce = action.reply_to.get("nonce", "") or os.urandom(8).hex()
        enc = encrypt(plain, secrets.aes_key, secrets.receive_id)
        sig = msg_signature(secrets.callback_secret, ts, nonce, enc)
        body = (f"<xml><Encrypt><![CDATA[{enc}]]></Encrypt><MsgSignature><![CDATA[{sig}]]>"
                f"</MsgSignature><TimeStamp>{ts}</TimeStamp><Nonce><![CDATA[{nonce}]]>"
                "</Nonce></xml>").encode()
        return Reply(200, "application/xml", body)


def verify_url(query: dict[str, str], secrets: Secrets, now: datetime) -> bytes:
    """WeCom's check of a callback URL being registered (GET `msg_signature`, `timestamp`,
    `nonce`, `echostr`): the signature over the encrypted `echostr`, then its plaintext,
    which is the answer."""
    sig, ts = query.get("msg_signature", ""), query.get("timestamp", "")
    nonce, echo = query.get("nonce", ""), query.get("echostr", "")
    if not (sig and ts and nonce and echo and secrets.callback_secret):
        raise CallbackRefused("msg_signature, timestamp, nonce or echostr missing")
    if not hmac.compare_digest(msg_signature(secrets.callback_secret, ts, nonce,
                                             echo).encode(), sig.encode()):
        raise CallbackRefused("signature does not match")
    try:
        fresh(float(ts), now, WINDOW_SECONDS)
    except ValueError:
        raise CallbackRefused("timestamp is not a number") from None
    try:
        return decrypt(echo, secrets.aes_key, secrets.receive_id)
    except BadCallback as exc:
        raise CallbackRefused(str(exc)) from None


def callback(card_id: str, value: str, user_id: str, token: str, aes_key: str, corp_id: str,
             now: datetime, *, nonce: str = "1372623149") -> CallbackRequest:
    """A template_card_event callback as WeCom sends it (simulator and tests)."""
    ts = str(int(now.timestamp()))
    inner = (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
             f"<FromUserName><![CDATA[{user_id}]]></FromUserName>"
             f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
             "<Event><![CDATA[template_card_event]]></Event>"
             f"<EventKey><![CDATA[{value}]]></EventKey><TaskId><![CDATA[{card_id}]]></TaskId>"
             "<CardType><![CDATA[button_interaction]]></CardType>"
             "<ResponseCode><![CDATA[ResponseCode]]></ResponseCode>"
             "<AgentID>1</AgentID></xml>").encode()
    enc = encrypt(inner, aes_key, corp_id)
    body = (f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
            f"<AgentID><![CDATA[1]]></AgentID><Encrypt><![CDATA[{enc}]]></Encrypt>"
            "</xml>").encode()
    return CallbackRequest({"content-type": "text/xml"},
                           {"msg_signature": msg_signature(token, ts, nonce, enc),
                            "timestamp": ts, "nonce": nonce}, body)
