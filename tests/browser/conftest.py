"""Browser tests of the console: the real app (uvicorn on a free port, SQLite with the demo
network) started once per module, Debian's Chromium driven by Playwright (headless,
--no-sandbox; never `playwright install`). Screenshots go to test-artifacts/console/.

Users: `operator` (role operations), `analyst` (read-only: no orders:manage), `stock`
(role inventory: orders and network, no exceptions, no events) and an API key
(tenant_admin) to submit orders through the API while a page is open.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings

CHROMIUM = os.environ.get("ORDERHUB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
PASSWORD = "browser-test-password-1"  # a test user's, made by the fixture below
DEMO_SKUS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Console:
    url: str  # http://127.0.0.1:<port>
    hub: Hub
    api_key: str
    tenant: str
    requests: list[str] = field(default_factory=list)  # every URL the browser asked for

    def submit(self, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        r = httpx.post(f"{self.url}/v1/orders/batch", json={"orders": orders},
                       headers={"Authorization": f"Bearer {self.api_key}"}, timeout=30)
        assert r.status_code in (200, 201, 207), r.text
        out: list[dict[str, Any]] = r.json().get("results") or r.json().get("items") or []
        return out


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory,
            sqlite_template: Path) -> Iterator[Console]:
    import uvicorn

    from orderhub.api.app import create_app
    from orderhub.services.access import credentials, users
    from orderhub.tools.demo import build_demo
    from orderhub.tools.simulation import load_prices

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (test.sh installs it: apt-get install "
                    f"chromium)")
    work = tmp_path_factory.mktemp("console")
    db = work / "console.db"
    shutil.copy(sqlite_template, db)
    hub = bootstrap(Settings(database_url=f"sqlite:///{db}", key_dir=str(work / "keys")))
    tenant = hub.settings.default_tenant
    build_demo(hub, tenant, skus=DEMO_SKUS)
    _PRICES.update({code: str(p) for code, p in load_prices(hub, tenant).items()})
    now = hub.clock()
    for login, role in (("operator", "operations"), ("analyst", "analyst"),
                        ("stock", "inventory")):
        users.create_user(hub.uow, tenant, login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=now)
    key = credentials.create_key(hub.uow, tenant, name="browser-tests", role="tenant_admin",
                                 granter=None, actor="test", now=now).token
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(hub, background=True), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console's server did not start")
        time.sleep(0.05)
    try:
        yield Console(f"http://127.0.0.1:{port}", hub, key, tenant)
    finally:
        server.should_exit = True
        thread.join(15)
        hub.close()


@pytest.fixture(scope="module")
def browser(console: Console) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu",
                                    "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, console: Console) -> Iterator[Any]:
    """A fresh browser context (no cookies), recording every request it makes; after the
    test, none may have left 127.0.0.1 (no CDN, no font service, nothing)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    context.set_default_timeout(8000)
    pg = context.new_page()
    seen: list[str] = []
    pg.on("request", lambda r: seen.append(r.url))
    yield pg
    context.close()
    console.requests.extend(seen)
    assert [u for u in seen if not u.startswith(console.url + "/")] == []


ADDRESS = {"country": "CN", "province": "上海市", "city": "上海市", "district": "浦东新区",
           "line1": "世纪大道 1 号", "name": "李雷", "phone": "13800138000"}


_PRICES: dict[str, str] = {}


def order_body(external_id: str, sku: str = "SKU-00001", qty: int = 1, *,
               channel: str = "jd", price: str | None = None) -> dict[str, Any]:
    """An order at the SKU's list price (allocated), or at `price`."""
    return {"external_id": external_id, "channel": channel, "currency": "CNY",
            "customer": {"ref": "c-1", "name": "李雷", "phone": "13800138000"},
            "shipping_address": ADDRESS,
            "lines": [{"sku": sku, "quantity": qty,
                       "unit_price": price or _PRICES.get(sku, "19.90")}]}


def sign_in(page: Any, console: Console, login: str = "operator") -> None:
    page.goto(f"{console.url}/console/")
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/dashboard")


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_serious_violations(page: Any) -> None:
    """axe-core (the copy bundled with axe-playwright-python, injected from this machine)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"]
           if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["impact"], v["help"],
                        [n["target"] for n in v["nodes"]][:3]) for v in bad]
