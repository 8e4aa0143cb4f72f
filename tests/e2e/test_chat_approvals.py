"""Approvals in chat apps end to end (issue 19 item 3): an L2 remedy proposed in the hub is
pushed as a card to DingTalk, WeCom and Slack (the local simulator); clicks come back as
the apps' signed callbacks and decide through the desk as the mapped hub users: the
proposer is refused (four-eyes), an unmapped chat user is refused with a reply on the
card, two others approve and the remedy is applied. A bad signature is a 401, logged
without the secret. A failing app is retried, then dead-lettered, never blocking the desk."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from datetime import timedelta

import httpx
import orjson
import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.chat import wecom
from orderhub.adapters.chat.base import CallbackRequest, Secrets
from orderhub.adapters.chat.simulator import ChatSimulator, Posted
from orderhub.bootstrap import Hub
from orderhub.services.access import users
from orderhub.services.events.consumers import DurableConsumer
from tests.api import api_client
from tests.conftest import Clock
from tests.e2e.test_exception_desk import as_signed_in, by_kind, exception_of, post_order
from tests.factories import seed_network

AES = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SECRETS = {
    "dingtalk": Secrets("https://oapi.dingtalk.chat.invalid/robot/send?access_token=tok",
                        "SECrobot-secret", "dingtalk-app-secret"),
    "wecom": Secrets("https://qyapi.wecom.chat.invalid/cgi-bin/webhook/send?key=k", "",
                     "QDG6eK", AES, "wx5823bf96d3bd56c7"),
    "slack": Secrets("https://hooks.slack.chat.invalid/services/T/B/x", "",
                     "slack-signing-secret"),
}


def chat_consumer(hub: Hub) -> DurableConsumer:
    return next(c for c in hub.consumers if c.name == "chat")


def catch_up(hub: Hub) -> None:
    hub.relay.drain()
    consumer = chat_consumer(hub)
    while consumer.process_once(wait=0):
        pass
    assert hub._chat is not None
    hub._chat.drain()


def add_channels(admin: TestClient, subjects: list[str]) -> dict[str, str]:
    ids = {}
    for app, s in SECRETS.items():
        r = admin.post("/v1/chat/channels", json={
            "app": app, "name": f"ops-{app}", "subjects": subjects, **s.as_dict()})
        assert r.status_code == 201, r.text
        assert "secret" not in r.text.lower().replace("signing_secret", "")
        ids[app] = r.json()["id"]
    return ids


def click(client: TestClient, app: str, channel: str, req: CallbackRequest) -> httpx.Response:
    return client.post(f"/v1/chat/{app}/callback", params={"channel": channel, **req.query},
                       content=req.body, headers=dict(req.headers))


def reply_text(app: str, r: httpx.Response) -> str:
    if app == "dingtalk":
        return str(r.json()["cardData"]["cardParamMap"]["status"])
    if app == "slack":
        return str(r.json()["text"])
    enc = ET.fromstring(r.content).findtext("Encrypt") or ""
    return wecom.decrypt(enc, AES, "wx5823bf96d3bd56c7").decode()


def the_card(sim: ChatSimulator, app: str) -> Posted:
    [card] = [p for p in sim.cards(app) if ChatSimulator.buttons(p)]
    return card


def test_an_l2_remedy_approved_on_chat_cards_is_the_desks_approval(
        hub: Hub, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "BJ"): 5})
    catch_up(hub)
    for login in ("wang", "zhao"):
        users.create_user(hub.uow, "default", login=login, role="operations",
                          password="pw-" + login * 3, granter=None, actor="test",
                          now=hub.clock())
    lily = as_signed_in(hub, "lily")
    with api_client(hub) as admin:
        channels = add_channels(admin, ["approvals", "alerts"])
        for app, uid, login in (("dingtalk", "ding-lily", "lily"), ("wecom", "wx-wang", "wang"),
                                ("slack", "U-ZHAO", "zhao")):
            r = admin.put(f"/v1/chat/users/{app}/{uid}", json={"login": login})
            assert r.status_code == 200, r.text
        r = admin.put("/v1/chat/users/slack/U-NOBODY", json={"login": "nobody"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "login"

        order = post_order(admin, "CHAT-1", [("A", 3), ("B", 2)])
        exc = exception_of(admin, order["id"])
        bo = by_kind(exc)["ship_available_backorder_rest"]
        r = lily.post(f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/apply",
                      json={"reason": "ship what we have"})
        assert r.status_code == 202 and r.json()["proposal"]["tier"] == "L2", r.text
        catch_up(hub)

        cards = {app: the_card(sim, app) for app in SECRETS}
        assert "access_token=tok" in cards["dingtalk"].url and "sign=" in cards["dingtalk"].url
        values = {app: ChatSimulator.buttons(p) for app, p in cards.items()}
        assert all(set(v) == {"approve", "reject"} for v in values.values())

        # the proposer, on DingTalk: four-eyes, as in the console
        now = clock()
        r = click(admin, "dingtalk", channels["dingtalk"], ChatSimulator.click(
            "dingtalk", values["dingtalk"]["approve"], "ding-lily", SECRETS["dingtalk"], now))
        assert r.status_code == 200 and "four-eyes" in reply_text("dingtalk", r)
        # an unmapped Slack user: refused with a clear reply
        r = click(admin, "slack", channels["slack"], ChatSimulator.click(
            "slack", values["slack"]["approve"], "U-STRANGER", SECRETS["slack"], now))
        assert r.status_code == 200 and "not linked" in reply_text("slack", r)
        assert exception_of(admin, order["id"])["state"] == "open"
        # a bad signature: 401, logged without the secret
        good = ChatSimulator.click("slack", values["slack"]["approve"], "U-ZHAO",
                                   SECRETS["slack"], now)
        forged = CallbackRequest({**good.headers, "x-slack-signature": "v0=" + "0" * 64}, {},
                                 good.body)
        with caplog.at_level(logging.WARNING):
            r = click(admin, "slack", channels["slack"], forged)
        assert r.status_code == 401 and r.json()["title"] == "Bad signature"
        assert "chat callback refused" in caplog.text
        assert "slack-signing-secret" not in caplog.text and "v0=000" not in caplog.text
        # a stale (replayed) callback
        stale = ChatSimulator.click("wecom", values["wecom"]["approve"], "wx-wang",
                                    SECRETS["wecom"], now - timedelta(minutes=10))
        assert click(admin, "wecom", channels["wecom"], stale).status_code == 401
        # a callback to the wrong channel's URL does not verify there
        r = click(admin, "slack", channels["dingtalk"], good)
        assert r.status_code == 401

        # WeCom (wang) approves, Slack (zhao) approves: applied
        r = click(admin, "wecom", channels["wecom"], ChatSimulator.click(
            "wecom", values["wecom"]["approve"], "wx-wang", SECRETS["wecom"], now))
        assert r.status_code == 200 and "Approved; awaiting" in reply_text("wecom", r)
        r = click(admin, "slack", channels["slack"], good)
        assert r.status_code == 200 and "Approved and applied" in reply_text("slack", r)

        done = exception_of(admin, order["id"])
        assert done["state"] == "resolved"
        got = admin.get(f"/v1/orders/{order['id']}").json()
        assert got["status"] == "allocated"
        assert [(ln["sku"], ln["quantity"]) for ln in got["lines"]] == [("A", 3)]
        entries = admin.get("/v1/audit", params={"kind": "exception_remedy"}).json()
        actions = [(e["actor"], e["detail"]["action"]) for e in entries]
        assert ("user:lily", "proposed") in actions
        assert ("user:wang", "approved") in actions and ("user:zhao", "applied") in actions
        # clicking again after it was applied: the desk's 409, as a reply
        r = click(admin, "wecom", channels["wecom"], ChatSimulator.click(
            "wecom", values["wecom"]["reject"], "wx-wang", SECRETS["wecom"], now))
        assert r.status_code == 200 and "Not done" in reply_text("wecom", r)
        chat_audit = admin.get("/v1/audit", params={"kind": "chat_change"}).json()
        assert len(chat_audit) == 6  # three channels, three mappings
        assert "dingtalk-app-secret" not in orjson.dumps(chat_audit).decode()
        sent = admin.get("/v1/chat/cards", params={"status": "sent"}).json()
        assert {c["channel_id"] for c in sent} == set(channels.values())


def test_a_failing_app_is_retried_then_dead_lettered(hub: Hub, clock: Clock) -> None:
    sim = ChatSimulator(fail="always")
    hub.settings = hub.settings.model_copy(update={"notify_max_attempts": 2,
                                                   "notify_backoff_seconds": 1.0})
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "BJ"): 5})
    catch_up(hub)
    lily = as_signed_in(hub, "lily")
    with api_client(hub) as admin:
        r = admin.post("/v1/chat/channels", json={
            "app": "slack", "name": "ops", "subjects": ["approvals"],
            **SECRETS["slack"].as_dict()})
        assert r.status_code == 201
        order = post_order(admin, "CHAT-2", [("A", 3), ("B", 2)])
        exc = exception_of(admin, order["id"])
        bo = by_kind(exc)["ship_available_backorder_rest"]
        r = lily.post(f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/apply", json={})
        assert r.status_code == 202  # the desk answers whatever the app does
        catch_up(hub)
        [card] = admin.get("/v1/chat/cards").json()
        assert card["status"] == "failed" and card["attempts"] == 1
        assert "HTTP 500" in card["reason"] and "hooks.slack" not in card["reason"]
        clock.now += timedelta(seconds=5)
        hub._chat.drain()  # type: ignore[union-attr]
        [card] = admin.get("/v1/chat/cards").json()
        assert card["status"] == "dead_lettered" and card["attempts"] == 2


def test_channel_input_and_scopes(hub: Hub) -> None:
    from tests.api import auth_headers, create_app

    with api_client(hub) as admin:
        r = admin.post("/v1/chat/channels", json={
            "app": "teams", "name": "x", "subjects": ["gossip"],
            "webhook_url": "http://plain", "callback_secret": ""})
        assert r.status_code == 422
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"app", "subjects", "webhook_url", "callback_secret"} <= fields
        r = admin.post("/v1/chat/channels", json={
            "app": "wecom", "name": "w", "subjects": ["alerts"],
            "webhook_url": "https://qyapi.example/x", "callback_secret": "t", "aes_key": "short"})
        assert {e["field"] for e in r.json()["errors"]} == {"aes_key", "receive_id"}
    ops = TestClient(create_app(hub), headers=auth_headers(hub, role="operations"))
    assert ops.get("/v1/chat/channels").status_code == 200
    r = ops.post("/v1/chat/channels", json={})
    assert r.status_code == 403 and "chat:write" in r.text
    anon = TestClient(create_app(hub))
    assert anon.get("/v1/chat/channels").status_code == 401
    r = anon.post("/v1/chat/slack/callback", params={"channel": "cch_nope"}, content=b"x")
    assert r.status_code == 401




def test_cli_channels_and_user_mappings(database_url: str, hub: Hub) -> None:
    import json

    from typer.testing import CliRunner

    from orderhub.cli.app import app as cli

    def run(*args: str, lang: str = "") -> tuple[int, str]:
        env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
        if lang:
            env["ORDERHUB_LANG"] = lang
        out = CliRunner().invoke(cli, list(args), env=env)
        return out.exit_code, out.output

    users.create_user(hub.uow, "default", login="wang", role="operations",
                      password="pw-wangwangwang", granter=None, actor="test", now=hub.clock())
    code, out = run("chat", "channels", "add", "slack", "--name", "ops",
                    "--webhook-url", "https://hooks.slack.com/services/T/B/x",
                    "--callback-secret", "s3cret", "--subject", "approvals")
    assert code == 0, out
    assert "chat channel added" in out and "/v1/chat/slack/callback?channel=cch_" in out
    code, out = run("chat", "channels", "list", "--json")
    [row] = json.loads(out)
    assert row["app"] == "slack" and row["subjects"] == ["approvals"]
    assert "s3cret" not in out
    code, out = run("chat", "users", "map", "slack", "U-WANG", "wang")
    assert code == 0 and "mapped slack user U-WANG to wang" in out, out
    code, out = run("chat", "users", "list", "--json")
    assert [(r["chat_user_id"], r["login"]) for r in json.loads(out)] == [("U-WANG", "wang")]
    code, out = run("chat", "users", "map", "slack", "U-X", "ghost", lang="zh")
    assert code == 1 and "本租户没有用户 'ghost'" in out, out
    code, out = run("chat", "channels", "add", "teams", "--name", "x", "--webhook-url",
                    "http://x", "--callback-secret", "s")
    assert code == 1 and "unknown chat app 'teams'" in out
    code, out = run("chat", "channels", "disable", row["id"])
    assert code == 0 and "disabled" in out
    code, out = run("chat", "users", "unmap", "slack", "U-WANG")
    assert code == 0
    code, out = run("chat", "users", "unmap", "slack", "U-WANG")
    assert code == 1 and "not mapped" in out


def test_a_rule_set_in_canary_is_activated_from_a_card(hub: Hub, clock: Clock) -> None:
    sim = ChatSimulator()
    hub.enable_chat(transport=sim)
    seed_network(hub, {("A", "SH"): 500, ("A", "BJ"): 500})
    catch_up(hub)
    rita = as_signed_in(hub, "rita", role="rules_approver")
    for login, role in (("sam", "rules_approver"), ("wang", "operations")):
        users.create_user(hub.uow, "default", login=login, role=role,
                          password="pw-" + login * 4, granter=None, actor="test",
                          now=hub.clock())
    with api_client(hub) as admin:
        r = admin.post("/v1/chat/channels", json={
            "app": "dingtalk", "name": "rules", "subjects": ["rule_sets"],
            **SECRETS["dingtalk"].as_dict()})
        channel = r.json()["id"]
        for uid, login in (("d-rita", "rita"), ("d-sam", "sam"), ("d-wang", "wang")):
            assert admin.put(f"/v1/chat/users/dingtalk/{uid}",
                             json={"login": login}).status_code == 200
        for i in range(6):
            r = admin.post("/v1/orders", json={
                "external_id": f"RS-{i}", "channel": "web", "currency": "CNY",
                "shipping_address": {"country": "CN", "province": "北京市", "city": "北京市",
                                     "district": "朝阳区", "line1": "建国路 2 号",
                                     "name": "韩梅梅", "phone": "13912345678"},
                "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
            assert r.status_code == 201, r.text
        rule = {"code": "no-sh-web", "when": {"channel": ["web"]},
                "then": {"exclude_sites": ["SH"]}}
        rs = rita.post("/v1/rules/sets", json={"rules": [rule], "reason": "BJ for web"}).json()
        assert rita.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()["passed"]
        r = rita.post(f"/v1/rules/sets/{rs['id']}/canary",
                      json={"slice": {"percent": 50}, "reason": "half"})
        assert r.status_code == 200, r.text
        catch_up(hub)
        [card] = [p for p in sim.cards("dingtalk") if ChatSimulator.buttons(p)]
        assert "rule set v1" in card.body["actionCard"]["text"].lower()
        approve = ChatSimulator.buttons(card)["approve"]
        now = clock()

        pressed = []

        def press(uid: str) -> str:
            # each click its own request (DingTalk's timestamp is in milliseconds)
            pressed.append(uid)
            r = click(admin, "dingtalk", channel, ChatSimulator.click(
                "dingtalk", approve, uid, SECRETS["dingtalk"],
                now + timedelta(milliseconds=len(pressed))))
            assert r.status_code == 200, r.text
            return reply_text("dingtalk", r)

        assert "four-eyes" in press("d-rita")
        assert "rules:approve" in press("d-wang")
        assert admin.get(f"/v1/rules/sets/{rs['id']}").json()["state"] == "canary"
        assert "Rule set activated" in press("d-sam")
        assert admin.get(f"/v1/rules/sets/{rs['id']}").json()["state"] == "active"
        entries = admin.get("/v1/audit", params={"kind": "rule_change"}).json()
        assert any(e["actor"] == "user:sam" for e in entries)


def test_wecom_checks_the_callback_url(hub: Hub, clock: Clock) -> None:
    s = SECRETS["wecom"]
    with api_client(hub) as admin:
        r = admin.post("/v1/chat/channels", json={
            "app": "wecom", "name": "wx", "subjects": ["alerts"], **s.as_dict()})
        channel = r.json()["id"]
        ts, nonce = str(int(clock().timestamp())), "8765"
        echo = wecom.encrypt(b"1616140317555161061", AES, s.receive_id)
        q = {"channel": channel, "timestamp": ts, "nonce": nonce, "echostr": echo,
             "msg_signature": wecom.msg_signature(s.callback_secret, ts, nonce, echo)}
        r = admin.get("/v1/chat/wecom/callback", params=q)
        assert r.status_code == 200 and r.text == "1616140317555161061"
        r = admin.get("/v1/chat/wecom/callback", params={**q, "msg_signature": "0" * 40})
        assert r.status_code == 401
        r = admin.get("/v1/chat/slack/callback", params=q)
        assert r.status_code == 401
