"""The buyer's tracking page (issue 19 part 2) through HTTP, on SQLite and PostgreSQL: a
link from the API opens the order's page (zh and en) with personal data masked; the
order number + last four phone digits open it too; altered, forged, expired, revoked and
rotated links answer 404 and count toward the rate limit (429 past it); wrong digits lock
the number; nothing of another order or tenant is reachable; customer service finds the
order by phone (blind index), number and waybill; the link from the CLI."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.services import catalog
from orderhub.services.tracking import links
from tests.api import api_client
from tests.e2e.test_tracking import carrier_of, cp, new_order, push, secret_for, to_shipped
from tests.factories import ADDRESS_JSON, seed_network

FULL_NAME, FULL_PHONE, STREET = "李雷", "13800138000", "世纪大道"


def shipped_with_checkpoints(admin: TestClient, carrier_key: TestClient,
                             ext: str) -> tuple[str, dict[str, Any]]:
    oid = new_order(admin, ext)["id"]
    s = to_shipped(admin, oid)
    secret = secret_for(admin, carrier_of(s))
    r = push(carrier_key, carrier_of(s), secret,
             [cp(f"{ext}-1", s["waybill"], "picked_up", 9, location="上海浦东"),
              cp(f"{ext}-2", s["waybill"], "arrived_at_hub", 13, location="上海转运中心",
                 description="签收人 李雷 13800138000")])
    assert r.status_code == 200, r.text
    return oid, s


def path_of(url: str) -> str:
    return urlsplit(url).path


def link(admin: TestClient, oid: str, **body: Any) -> str:
    r = admin.post(f"/v1/orders/{oid}/tracking-link", json=body or None)
    assert r.status_code == 200, r.text
    assert r.json()["url"].startswith("http")
    return path_of(r.json()["url"])


def assert_masked(html: str, oid: str) -> None:
    for secret in (FULL_NAME, FULL_PHONE, STREET, oid, "13800138000", "签收人"):
        assert secret not in html, secret
    assert "李*" in html and "138****8000" in html and "浦东新区" in html


def test_link_opens_the_page_in_both_languages_masked(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, s = shipped_with_checkpoints(admin, ck, "TP-1")
        r = admin.put("/v1/service-scripts", json={
            "target": "*", "lang": "zh", "return_policy": "签收后7天无理由退货",
            "contact": "客服热线 400-000-0000"})
        assert r.status_code == 200, r.text
        admin.put("/v1/service-scripts", json={"target": "sku:A", "lang": "en",
                                               "return_policy": "Apples: 3 days",
                                               "size_guide": "One size"})
        page = link(admin, oid, ttl="7d")
        assert re.fullmatch(r"/track/default/[A-Za-z0-9_-]{40,200}", page), page
        public = TestClient(admin.app)  # no credentials
        zh = public.get(page, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert zh.status_code == 200, zh.text
        html = zh.text
        assert "订单 TP-1" in html and "已发货" in html and "已揽收" in html
        assert "上海浦东" in html and "到达转运中心" in html and s["waybill"] in html
        assert "签收后7天无理由退货" in html and "400-000-0000" in html
        assert_masked(html, oid)
        assert zh.headers["referrer-policy"] == "no-referrer"
        assert "no-store" in zh.headers["cache-control"]
        en = public.get(page + "?lang=en", headers={"Accept-Language": "zh-CN"})
        assert en.status_code == 200
        assert "Order TP-1" in en.text and "Collected by the carrier" in en.text
        assert "Apples: 3 days" in en.text  # the SKU's own script wins over the default
        assert_masked(en.text, oid)

        # a held or cancelled order: customer words, never the hold code
        other = new_order(admin, "TP-1b")["id"]
        assert admin.post(f"/v1/orders/{other}/cancel", json={"reason": "buyer asked"}
                          ).status_code == 200
        cancelled = public.get(link(admin, other) + "?lang=en")
        assert "This order has been cancelled." in cancelled.text
        assert "buyer asked" not in cancelled.text
        r = admin.post("/v1/orders", json={
            "external_id": "TP-1c", "channel": "web", "currency": "CNY",
            "shipping_address": {**ADDRESS_JSON, "district": ""},
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        assert r.status_code == 201 and r.json()["status"] == "on_hold", r.text
        [reason] = r.json()["hold_reasons"]
        held = public.get(link(admin, r.json()["id"]) + "?lang=en")
        assert "We are checking something about your order" in held.text
        assert reason["code"] not in held.text and reason["message"] not in held.text


def test_bad_links_answer_404_and_count_toward_the_limit(hub: Hub, clock: Any) -> None:
    hub.settings = hub.settings.model_copy(update={"track_failures_per_hour": 4})
    seed_network(hub)
    catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, _ = shipped_with_checkpoints(admin, ck, "TP-2")
        page = link(admin, oid, ttl="1d")
        public = TestClient(admin.app)
        assert public.get(page).status_code == 200
        token = page.rsplit("/", 1)[1]
        flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
        assert public.get(f"/track/default/{flipped}").status_code == 404  # altered
        assert public.get(f"/track/acme/{token}").status_code == 404  # another tenant
        clock.now += timedelta(days=2)
        expired = public.get(page)
        assert expired.status_code == 404 and "expired" in expired.text  # expired
        assert public.get("/track/default/not-a-token").status_code == 404  # guessed
        # four failures: the address is refused now, even with a good link
        fresh = link(admin, oid)
        refused = public.get(fresh)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0


def test_revoked_and_rotated_links_stop_opening(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, _ = shipped_with_checkpoints(admin, ck, "TP-3")
        public = TestClient(admin.app)
        old = link(admin, oid)
        assert public.get(old).status_code == 200
        hub.clock.now += timedelta(seconds=2)  # type: ignore[attr-defined]
        r = admin.post(f"/v1/orders/{oid}/tracking-link/revoke")
        assert r.status_code == 200, r.text
        assert public.get(old).status_code == 404
        hub.clock.now += timedelta(seconds=2)  # type: ignore[attr-defined]
        newer = link(admin, oid)
        assert public.get(newer).status_code == 200
        r = admin.post("/v1/tracking-links/rotate")
        assert r.status_code == 200 and r.json()["retired"] == 1, r.text
        assert public.get(newer).status_code == 404
        assert public.get(link(admin, oid)).status_code == 200
        audit = admin.get("/v1/audit", params={"kind": "tenant_change"}).json()
        items = audit.get("items", []) if isinstance(audit, dict) else audit
        subjects = {e["subject"] for e in items}
        assert f"order/{oid}/tracking-links" in subjects and "tracking-links/key" in subjects


def test_number_and_phone_digits_open_the_page_and_wrong_digits_lock(hub: Hub) -> None:
    hub.settings = hub.settings.model_copy(update={"track_phone_tries": 3,
                                                   "track_failures_per_hour": 50})
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, _ = shipped_with_checkpoints(admin, ck, "TP-4")
        shipped_with_checkpoints(admin, ck, "TP-5")
        public = TestClient(admin.app, follow_redirects=False)
        form = public.get("/track/default?lang=zh")
        assert form.status_code == 200 and "手机号后四位" in form.text
        ok = public.post("/track/default", data={"number": "TP-4", "phone4": "8000",
                                                 "lang": "en"})
        assert ok.status_code == 303, ok.text
        shown = public.get(ok.headers["location"])
        assert shown.status_code == 200 and "Order TP-4" in shown.text
        assert "TP-5" not in shown.text
        assert_masked(shown.text, oid)
        # bad input: a field message, no lookup
        bad = public.post("/track/default", data={"number": "TP-4", "phone4": "80"})
        assert bad.status_code == 400
        # every check of a number takes one of its tries (right or wrong; a form refused
        # as invalid takes none): the first above, then two wrong answers (404) lock it
        for _ in range(2):
            assert public.post("/track/default", data={"number": "TP-4", "phone4": "1234"}
                               ).status_code == 404
        locked = public.post("/track/default", data={"number": "TP-4", "phone4": "8000"})
        assert locked.status_code == 429
        # another number from the same address still works (the lock is the number's)
        assert public.post("/track/default", data={"number": "TP-5", "phone4": "8000"}
                           ).status_code == 303
        # another tenant's form does not find this tenant's order
        catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
        assert public.post("/track/acme", data={"number": "TP-5", "phone4": "8000"}
                           ).status_code == 404


def test_link_api_scopes_and_bad_input(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin:
        oid = new_order(admin, "TP-6")["id"]
        r = admin.post(f"/v1/orders/{oid}/tracking-link", json={"ttl": "forever"})
        assert r.status_code == 422 and "ttl" in r.text, r.text
        r = admin.post(f"/v1/orders/{oid}/tracking-link", json={"ttl": "400d"})
        assert r.status_code == 422
        assert admin.post("/v1/orders/ord_nope/tracking-link").status_code == 404
        r = admin.put("/v1/service-scripts", json={"target": "bad target", "lang": "fr"})
        assert r.status_code == 422 and "target" in r.text and "lang" in r.text
    with api_client(hub, scopes=["orders:manage"]) as no_pii:
        r = no_pii.post(f"/v1/orders/{oid}/tracking-link")
        assert r.status_code == 403 and "masked personal data" in r.text, r.text
    with api_client(hub, scopes=["orders:manage", "pii:masked"]) as masked:
        assert masked.post(f"/v1/orders/{oid}/tracking-link").status_code == 200
    with api_client(hub, role="operations") as ops:
        assert ops.post(f"/v1/orders/{oid}/tracking-link").status_code == 200
        assert ops.post("/v1/tracking-links/rotate").status_code == 403
    with api_client(hub, role="analyst") as analyst:
        assert analyst.post(f"/v1/orders/{oid}/tracking-link").status_code == 403
    catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
    with api_client(hub, tenant="acme") as acme:
        assert acme.post(f"/v1/orders/{oid}/tracking-link").status_code == 404


def test_service_lookup_by_phone_number_and_waybill(hub: Hub) -> None:
    seed_network(hub)
    catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, s = shipped_with_checkpoints(admin, ck, "TP-7")
        for query in ({"phone": FULL_PHONE}, {"phone": "+86 138 0013 8000"},
                      {"external_id": "TP-7"}, {"waybill": s["waybill"]}):
            r = admin.get("/v1/service/orders", params=query)
            assert r.status_code == 200, r.text
            assert oid in [o["order_id"] for o in r.json()], query
        assert admin.get("/v1/service/orders").status_code == 422
        story = admin.get(f"/v1/service/orders/{oid}", params={"lang": "en"}).json()
        assert story["state"] == "shipped" and story["recipient"]["name"] == FULL_NAME
        assert [c["kind"] for c in story["shipments"][0]["checkpoints"]] == [
            "arrived_at_hub", "picked_up"]
    with api_client(hub, role="analyst") as analyst:
        [row] = analyst.get("/v1/service/orders", params={"phone": FULL_PHONE}).json()
        assert FULL_PHONE not in str(row) and FULL_NAME not in str(row)
    with api_client(hub, tenant="acme") as acme:
        assert acme.get("/v1/service/orders", params={"phone": FULL_PHONE}).json() == []
        assert acme.get("/v1/service/orders", params={"waybill": s["waybill"]}).json() == []


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "300"})
    return out.exit_code, out.output


def test_cli_link_and_scripts(hub: Hub, database_url: str, clock: Any) -> None:
    clock.now = datetime.now(UTC)  # the CLI's links are issued on the real clock
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, s = shipped_with_checkpoints(admin, ck, "TP-8")
        code, out = run(database_url, "order", "tracking-link", oid, "--ttl", "3d")
        assert code == 0, out
        url = next(w for w in out.split() if "/track/default/" in w)
        assert TestClient(admin.app).get(path_of(url)).status_code == 200
        code, out = run(database_url, "order", "tracking-link", oid, "--ttl", "soon")
        assert code != 0 and "ttl" in out
        code, out = run(database_url, "cs", "script", "set", "category:fruit", "--in", "en",
                        "--size-guide", "S M L")
        assert code == 0, out
        code, out = run(database_url, "cs", "find", "--waybill", s["waybill"], "--masked")
        assert code == 0 and oid in out and FULL_PHONE not in out, out
        code, out = run(database_url, "cs", "script", "set", "nope")
        assert code == 2
        code, out = run(database_url, "order", "tracking-link", oid, "--revoke")
        assert code == 0, out
        assert TestClient(admin.app).get(path_of(url)).status_code == 404


def test_tracking_link_service_function_for_other_features(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin:
        oid = new_order(admin, "TP-9")["id"]
        with hub.uow() as uow:
            order = uow.orders.get("default", oid)
            url = links.tracking_link(uow, order, base_url="https://shop.example/",
                                      now=hub.clock())
            uow.commit()
        assert url.startswith("https://shop.example/track/default/")
        assert links.open_link(hub.read_uow, "default", url.rsplit("/", 1)[1],
                               now=hub.clock()) == oid


def test_console_service_lookup_with_role_masking(hub: Hub) -> None:
    from orderhub.services.access import users
    from tests.console_support import PASSWORD, sign_in

    seed_network(hub)
    for login, role in (("op", "operations"), ("ana", "analyst")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, s = shipped_with_checkpoints(admin, ck, "TP-10")
        admin.put("/v1/service-scripts", json={"target": "sku:A", "lang": "zh",
                                               "size_guide": "均码", "return_policy": "7天"})
        c = TestClient(admin.app, follow_redirects=False)
        sign_in(c, "op")
        c.cookies.set("oh_lang", "zh", path="/console")
        for query in ({"phone": FULL_PHONE}, {"external_id": "TP-10"},
                      {"waybill": s["waybill"]}):
            r = c.get("/console/service", params=query)
            assert r.status_code == 200, r.text
            assert f'data-order="{oid}"' in r.text, query
            assert "均码" in r.text and "已揽收" in r.text and "上海浦东" in r.text
            assert FULL_NAME in r.text  # operations sees the full recipient
        blank = c.get("/console/service", params={"phone": " "})  # nothing asked: the form
        assert blank.status_code == 200 and 'id="found"' not in blank.text
        long = c.get("/console/service", params={"waybill": "9" * 65})
        assert long.status_code == 400 and "最多" in long.text
        empty = c.get("/console/service", params={"phone": "13900000000"})
        assert "未找到订单" in empty.text
        analyst = TestClient(admin.app, follow_redirects=False)
        sign_in(analyst, "ana")
        r = analyst.get("/console/service", params={"phone": FULL_PHONE})
        assert r.status_code == 200 and f'data-order="{oid}"' in r.text
        shown = re.sub(rf'(phone(=|%3D)|value="){FULL_PHONE}', "", r.text)  # the query typed
        for line in shown.splitlines():
            assert FULL_NAME not in line and FULL_PHONE not in line, line
        assert "李*" in r.text


def test_a_link_issued_right_after_a_revocation_opens(hub: Hub) -> None:
    """Revoke, then send the buyer a new link at once (the same second): the old link is
    dead, the new one opens (a token's issue time is in whole seconds)."""
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as ck:
        oid, _ = shipped_with_checkpoints(admin, ck, "TP-RV")
        public = TestClient(admin.app)
        old = link(admin, oid)
        hub.clock.now += timedelta(milliseconds=300)  # type: ignore[attr-defined]
        assert admin.post(f"/v1/orders/{oid}/tracking-link/revoke").status_code == 200
        hub.clock.now += timedelta(milliseconds=300)  # type: ignore[attr-defined]
        new = link(admin, oid)
        assert public.get(old).status_code == 404
        assert public.get(new).status_code == 200
