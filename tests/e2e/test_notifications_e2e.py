"""Customer notifications through the API and the CLI as a user drives them (issue 19
item 1): templates refused for an unknown placeholder (422 naming it, exit 1 with the
Chinese message), settings, opt-outs, the order's delivery log, scopes, tenants kept
apart."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.services.access.tenants import provision_tenant
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import seed_network
from tests.integration.test_notifications import CUSTOMER, catch_up, post_order, simulators, start

PROBLEM = "application/problem+json"


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    return out.exit_code, out.output


def test_api_templates_settings_optouts_and_the_order_log(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    senders = simulators()
    start(hub, senders)
    with api_client(hub) as client:
        r = client.put("/v1/notification-templates", json={
            "event": "ShipmentDispatched", "language": "zh", "medium": "sms",
            "body": "{{ parcel_no }} 已发货"})
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
        [err] = r.json()["errors"]
        assert err["field"] == "body" and "unknown placeholder(s) parcel_no" in err["message"]
        r = client.put("/v1/notification-templates", json={
            "event": "OrderCreated", "channel": "web", "language": "zh", "medium": "sms",
            "body": "【小店】{{ buyer_name }}，订单 {{ external_id }} 已收到"})
        assert r.status_code == 200, r.text
        assert r.json()["source"] == "tenant"
        listed = client.get("/v1/notification-templates",
                            params={"event": "OrderCreated"}).json()
        assert {(t["channel"], t["language"], t["source"]) for t in listed} == {
            ("default", "en", "default"), ("default", "zh", "default"),
            ("web", "zh", "tenant")}
        r = client.post("/v1/notification-templates/preview", json={
            "event": "OrderCreated", "channel": "web", "medium": "sms"})
        assert r.json()["rendered_body"] == "【小店】张*，订单 SAMPLE-1001 已收到"
        r = client.post("/v1/notification-templates/preview", json={
            "event": "OrderCreated", "body": "{{ nope }}"})
        assert r.status_code == 422 and "nope" in r.text

        r = client.put("/v1/notification-settings", json={"quiet_hours": "25:00-08:00"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "quiet_hours"
        r = client.put("/v1/notification-settings", json={"media": ["sms", "pigeon"]})
        assert r.status_code == 422 and "pigeon" in r.text
        r = client.put("/v1/notification-settings",
                       json={"quiet_hours": "22:00-08:00", "timezone": "Asia/Shanghai"})
        assert r.json() == {"enabled": True, "media": ["email", "sms"],
                            "quiet_hours": "22:00-08:00", "timezone": "Asia/Shanghai",
                            "language": "auto"}

        r = client.post("/v1/customers/c-1/notification-optouts", json={"medium": "email"})
        assert r.status_code == 201 and r.json()["added"] is True
        assert client.get("/v1/customers/c-1/notification-optouts").json()[0]["medium"] == \
            "email"

        oid = post_order(client, "E-1")
        catch_up(hub)
        log = client.get(f"/v1/orders/{oid}/notifications").json()
        assert {(m["event_type"], m["medium"], m["status"]) for m in log} == {
            ("OrderCreated", "sms", "sent"), ("OrderAllocated", "sms", "sent"),
            ("OrderCreated", "email", "suppressed"), ("OrderAllocated", "email", "suppressed")}
        created_sms = next(m for m in log if m["medium"] == "sms"
                           and m["event_type"] == "OrderCreated")
        assert created_sms["body"] == "【小店】韩*，订单 E-1 已收到"
        assert created_sms["recipient_masked"] == "*******9000"
        assert CUSTOMER["phone"] not in json.dumps(log)
        assert [e["state"] for e in created_sms["log"]] == ["queued", "sent"]

        assert client.delete("/v1/customers/c-1/notification-optouts/email").status_code == 204
        assert client.delete("/v1/customers/c-1/notification-optouts/email").status_code == 404
        assert client.delete("/v1/notification-templates", params={
            "event": "OrderCreated", "channel": "web", "medium": "sms"}).status_code == 204

    # scopes: an analyst reads, cannot change; a channel integration sees nothing
    with api_client(hub, role="analyst") as analyst:
        assert analyst.get(f"/v1/orders/{oid}/notifications").status_code == 200
        r = analyst.put("/v1/notification-settings", json={"enabled": False})
        assert r.status_code == 403 and r.json()["required_scope"] == "notifications:write"
    with api_client(hub, role="channel_integration") as channel:
        assert channel.get(f"/v1/orders/{oid}/notifications").status_code == 403


def test_tenants_are_kept_apart(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    start(hub, simulators())
    provision_tenant(hub.uow, "acme", name="Acme", admin="root", granter=None, actor="t",
                     now=clock.now)
    with api_client(hub) as mine, api_client(hub, tenant="acme") as theirs:
        oid = post_order(mine, "ISO-1")
        catch_up(hub)
        assert len(mine.get(f"/v1/orders/{oid}/notifications").json()) == 4
        assert theirs.get(f"/v1/orders/{oid}/notifications").status_code == 404
        assert theirs.put("/v1/notification-templates", json={
            "event": "OrderCreated", "body": "acme {{ external_id }}"}).status_code == 200
        assert theirs.put("/v1/notification-settings",
                          json={"enabled": False}).status_code == 200
        assert theirs.post("/v1/customers/c-1/notification-optouts",
                           json={"medium": "*"}).status_code == 201
        # none of acme's choices touch the default tenant
        assert all(t["source"] == "default" for t in
                   mine.get("/v1/notification-templates").json())
        assert mine.get("/v1/notification-settings").json()["enabled"] is True
        assert mine.get("/v1/customers/c-1/notification-optouts").json() == []
        oid2 = post_order(mine, "ISO-2")
        catch_up(hub)
        assert {m["status"] for m in mine.get(f"/v1/orders/{oid2}/notifications").json()} \
            == {"sent"}


def test_cli_end_to_end(hub: Hub, database_url: str, clock: Clock) -> None:
    seed_network(hub)
    start(hub, simulators())
    code, out = run(database_url, "notify", "templates", "set", "--event", "OrderCreated",
                    "--body", "订单 {{ order_number }}", "--lang", "zh")
    assert code == 1 and "未知占位符 order_number" in out
    code, out = run(database_url, "notify", "templates", "set", "--event", "OrderCreated",
                    "--channel", "web", "--medium", "sms", "--body",
                    "订单 {{ external_id }} 已确认", "--lang", "zh")
    assert code == 0 and "模板已保存" in out, out
    code, out = run(database_url, "notify", "templates", "preview", "--event",
                    "OrderCreated", "--channel", "web")
    assert code == 0 and "订单 SAMPLE-1001 已确认" in out
    code, out = run(database_url, "notify", "settings", "--quiet-hours", "22:00-08:00",
                    "--timezone", "Asia/Shanghai", "--lang", "zh")
    assert code == 0 and "免打扰 22:00-08:00（Asia/Shanghai）" in out, out
    code, out = run(database_url, "notify", "settings", "--quiet-hours", "22-8")
    assert code == 1 and "HH:MM-HH:MM" in out
    code, out = run(database_url, "notify", "optout", "add", "--email",
                    CUSTOMER["email"], "--medium", "email", "--lang", "zh")
    assert code == 0 and "已退订：m***@example.com（email）" in out, out
    code, out = run(database_url, "notify", "optout", "list", "--json")
    assert json.loads(out)[0]["who"] == "m***@example.com"
    assert CUSTOMER["email"] not in out

    with api_client(hub) as client:
        oid = post_order(client, "CLI-1")
    catch_up(hub)
    code, out = run(database_url, "notify", "log", oid, "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert {(m["medium"], m["status"]) for m in rows} == {("sms", "sent"),
                                                          ("email", "suppressed")}
    code, out = run(database_url, "notify", "log", oid, "--lang", "zh")
    assert code == 0 and "已发送" in out and "*******9000" in out and "已抑制" in out
    code, out = run(database_url, "notify", "log", "ord_missing")
    assert code == 1 and "not found" in out


def test_the_server_runs_the_notifier_with_the_simulator(hub: Hub) -> None:
    """As `orderhub serve` (and run.sh's demo) runs it: relay, consumer and dispatcher in
    the background, the providers the settings name (the simulator by default)."""
    import time

    seed_network(hub)
    with api_client(hub, background=True) as client:
        oid = post_order(client, "BG-1")
        deadline = time.monotonic() + 30
        log: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            log = client.get(f"/v1/orders/{oid}/notifications").json()
            if len(log) == 4 and all(m["status"] == "sent" for m in log):
                break
            time.sleep(0.2)
        assert {(m["event_type"], m["medium"], m["status"]) for m in log} == {
            (e, medium, "sent") for e in ("OrderCreated", "OrderAllocated")
            for medium in ("email", "sms")}
