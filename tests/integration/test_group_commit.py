"""Group commit of single orders (issue 13): concurrent POST /v1/orders share one
transaction, and each request still gets its own answer, its own 4xx and its own hold; a
failing order fails alone; nothing is acknowledged before its commit. On SQLite and
PostgreSQL, through the ASGI app with concurrent clients (asyncio)."""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.order_repository import OrderRepository
from orderhub.bootstrap import Hub
from orderhub.domain.order import Order
from orderhub.services.intake.group_commit import GroupCommitter
from orderhub.services.unit_of_work import UnitOfWork
from tests.api import auth_headers, create_app
from tests.factories import ADDRESS_JSON, seed_network


def body(external_id: str, lines: list[tuple[str, int]] | None = None,
         **extra: Any) -> dict[str, Any]:
    """An order of its own customer at their own address (many customers at one address
    would be held as suspected fraud, grouped or not)."""
    n = zlib.crc32(external_id.encode()) % 10**8
    b: dict[str, Any] = {
        "external_id": external_id,
        "channel": "web",
        "currency": "CNY",
        "customer": {"ref": f"c-{external_id}", "name": "李雷"},
        "shipping_address": {**ADDRESS_JSON, "line1": f"世纪大道 {n} 号",
                             "phone": f"139{n:08d}"},
        "lines": [{"sku": s, "quantity": q, "unit_price": "10.00"}
                  for s, q in (lines or [("A", 1)])],
    }
    b.update(extra)
    return b


@pytest.fixture
def grouped(hub: Hub) -> Iterator[tuple[Hub, GroupCommitter, dict[str, str]]]:
    """A seeded hub whose committer waits long enough that concurrent requests of a test
    land in one group (deterministic grouping, not a timing race)."""
    seed_network(hub)
    committer = hub.intake_committer
    assert committer is not None
    committer.max_wait = 2.0
    yield hub, committer, auth_headers(hub)


def post_all(hub: Hub, headers: dict[str, str], bodies: list[dict[str, Any]],
             committer: GroupCommitter | None = None,
             stagger: float = 0.0) -> list[httpx.Response]:
    """Every body POSTed at once by its own client; the committer, if given, takes one
    group of exactly that many. `stagger`: client i starts i × that many seconds late, so
    the order they join the group in is the list's."""
    if committer is not None:
        committer.max_orders = len(bodies)
    app = create_app(hub)

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t",
                                     headers=headers) as client:
            async def post(i: int, b: dict[str, Any]) -> httpx.Response:
                await asyncio.sleep(i * stagger)
                return await client.post("/v1/orders", json=b)

            return list(await asyncio.gather(*(post(i, b) for i, b in enumerate(bodies))))

    return asyncio.run(run())


def get(hub: Hub, headers: dict[str, str], path: str) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://t",
                                     headers=headers) as client:
            return await client.get(path)

    return asyncio.run(run())


def stored_orders(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.orders)).scalar_one())


def test_concurrent_orders_are_grouped_and_answered_as_read_back(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]]) -> None:
    hub, committer, headers = grouped
    bodies = [body(f"G-{i}", [("A", 1)] if i % 2 else [("B", 1)]) for i in range(8)]
    answers = post_all(hub, headers, bodies, committer)
    assert [r.status_code for r in answers] == [201] * 8, [r.text for r in answers]
    assert committer.stats.requests == 8
    assert committer.stats.groups < committer.stats.requests
    assert committer.stats.largest == 8  # one transaction for all of them
    ids = set()
    for b, r in zip(bodies, answers, strict=True):
        order = r.json()
        assert order["external_id"] == b["external_id"]  # its own order, not a neighbour's
        assert order["status"] == "allocated", order["hold_reasons"]
        assert r.headers["location"] == f"/v1/orders/{order['id']}"
        # Answered from memory: exactly what reading the order back shows.
        back = get(hub, headers, f"/v1/orders/{order['id']}").json()
        assert back == order, {k: (v, order[k]) for k, v in back.items() if order[k] != v}
        ids.add(order["id"])
    assert len(ids) == 8 and stored_orders(hub) == 8


def test_bad_and_held_orders_get_their_own_answers_in_one_group(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]]) -> None:
    hub, committer, headers = grouped
    bodies = [
        body("OK-1"),
        body("BAD-FIELD", [("A", 0)]),  # a field error: 422 before any group
        body("BAD-CHANNEL", channel="nowhere"),  # refused by the group: split, alone
        body("HELD-SKU", [("NOPE", 1)]),  # unknown SKU: stored on hold
        body("HELD-STOCK", [("C", 50)]),  # more than there is: stored on hold
        body("OK-2", [("B", 2)]),
    ]
    answers = dict(zip([b["external_id"] for b in bodies],
                       post_all(hub, headers, bodies, committer), strict=True))
    assert {k: r.status_code for k, r in answers.items()} == {
        "OK-1": 201, "BAD-FIELD": 422, "BAD-CHANNEL": 422, "HELD-SKU": 201,
        "HELD-STOCK": 201, "OK-2": 201}
    # The same 422s as an ungrouped request: field names without an `orders.N.` prefix.
    assert [e["field"] for e in answers["BAD-FIELD"].json()["errors"]] == ["lines.0.quantity"]
    assert [e["field"] for e in answers["BAD-CHANNEL"].json()["errors"]] == ["channel"]
    assert answers["OK-1"].json()["status"] == "allocated"
    assert answers["OK-2"].json()["status"] == "allocated"
    for held in ("HELD-SKU", "HELD-STOCK"):
        order = answers[held].json()
        assert order["status"] == "on_hold" and order["hold_reasons"], order
        assert get(hub, headers, f"/v1/orders/{order['id']}").json() == order
    assert committer.stats.requests == 5  # the field error never joined
    assert stored_orders(hub) == 4


def test_a_database_error_fails_only_its_own_order(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    hub, committer, headers = grouped
    real_add = OrderRepository.add

    def add(self: OrderRepository, order: Order) -> None:
        if order.external_id == "DB-FAIL":
            raise OperationalError("INSERT INTO orders", {}, Exception("forced failure"))
        real_add(self, order)

    monkeypatch.setattr(OrderRepository, "add", add)
    bodies = [body(f"N-{i}") for i in range(3)] + [body("DB-FAIL")] + \
        [body(f"N-{i}") for i in range(3, 7)]
    answers = post_all(hub, headers, bodies, committer)
    codes = {b["external_id"]: r.status_code for b, r in zip(bodies, answers, strict=True)}
    assert codes == {**{f"N-{i}": 201 for i in range(7)}, "DB-FAIL": 503}
    assert committer.stats.attempts > committer.stats.groups  # it was split and retried
    assert stored_orders(hub) == 7
    # The stock reserved is exactly the seven committed orders' (no retry reserved twice).
    r = get(hub, headers, "/v1/inventory/A")
    assert sum(w["reserved"] for w in r.json()["warehouses"]) == 7


def test_nothing_is_acknowledged_when_the_commit_fails(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    hub, committer, headers = grouped

    real_commit = UnitOfWork.commit

    def commit(self: UnitOfWork) -> None:  # intake's commits fail (not the key's last use)
        if threading.current_thread().name == "intake-group-commit":
            raise OperationalError("COMMIT", {}, Exception("the disk went away"))
        real_commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", commit)
    answers = post_all(hub, headers, [body(f"C-{i}") for i in range(4)], committer)
    assert [r.status_code for r in answers] == [503] * 4
    monkeypatch.undo()
    assert stored_orders(hub) == 0
    # Each client retries: now they are stored, once each.
    again = post_all(hub, headers, [body(f"C-{i}") for i in range(4)], committer)
    assert [r.status_code for r in again] == [201] * 4
    assert stored_orders(hub) == 4


def test_the_same_order_twice_in_a_group_and_across_groups(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]]) -> None:
    hub, committer, headers = grouped
    bodies = [body("SAME"), body("SAME"), body("SAME", [("A", 2)]), body("OTHER")]
    answers = post_all(hub, headers, bodies, committer, stagger=0.1)
    assert committer.stats.largest == 4
    assert [r.status_code for r in answers] == [201, 200, 409, 201]
    first = answers[0].json()
    assert answers[1].json() == first  # the first order, as a repeat would find it
    assert answers[2].json()["type"].endswith("idempotency-conflict")
    # In a later group: the stored order (200), or a conflict for other content (409).
    later = post_all(hub, headers, [body("SAME"), body("SAME", [("A", 2)]), body("NEW")],
                     committer, stagger=0.1)
    assert [r.status_code for r in later] == [200, 409, 201]
    assert later[0].json()["id"] == first["id"]
    assert stored_orders(hub) == 3


def test_idempotency_key_requests_run_alone_as_before(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]]) -> None:
    hub, committer, headers = grouped
    keyed = {**headers, "Idempotency-Key": "k-1"}
    first = post_all(hub, keyed, [body("K-1")])[0]
    again = post_all(hub, keyed, [body("K-1")])[0]
    other = post_all(hub, keyed, [body("K-2")])[0]
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json() == first.json()
    assert committer.stats.requests == 0


def test_a_unique_key_race_in_a_group_finds_the_stored_order(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer stores the same order between the group's look-up and its insert:
    the group loses the unique-key race, runs again (retry_unique_race) and answers that
    request with the stored order (200); its neighbours are created once."""
    hub, committer, headers = grouped
    [stored] = post_all(hub, {**headers, "Idempotency-Key": "elsewhere"}, [body("RACE")])
    assert stored.status_code == 201
    real_find = OrderRepository.find_by_channel_keys
    missed: list[bool] = []

    def find(self: OrderRepository, tenant_id: str, keys: Any) -> Any:
        found = real_find(self, tenant_id, keys)
        if not missed and threading.current_thread().name == "intake-group-commit":
            missed.append(True)  # the first look-up does not see the stored order yet
            return {k: v for k, v in found.items() if k != ("web", "RACE")}
        return found

    monkeypatch.setattr(OrderRepository, "find_by_channel_keys", find)
    answers = post_all(hub, headers, [body("R-1"), body("RACE"), body("R-2")], committer,
                       stagger=0.1)
    assert [r.status_code for r in answers] == [201, 200, 201]
    assert missed and answers[1].json() == stored.json()
    assert stored_orders(hub) == 3
