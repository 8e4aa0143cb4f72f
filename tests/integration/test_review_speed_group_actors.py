"""Review of issue 13's group commit: requests of different credentials that arrive
together (two keys of one tenant, a platform operator acting for it) are committed in
separate groups, and each order records the actor that sent it, never a neighbour's."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from orderhub.bootstrap import Hub
from orderhub.services.intake.group_commit import GroupCommitter
from tests.api import auth_headers, create_app, platform_headers
from tests.integration.test_group_commit import body, get, grouped

__all__ = ["grouped"]


def test_review_speed_actors_are_never_mixed_in_a_group(
        grouped: tuple[Hub, GroupCommitter, dict[str, str]]) -> None:
    hub, committer, admin = grouped
    creds = {"admin": admin, "alice": auth_headers(hub, name="alice"),
             "platform": platform_headers(hub)}
    plan = [(who, body(f"{who}-{i}")) for i in range(3) for who in creds]
    committer.max_orders = len(plan)
    app = create_app(hub)

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            async def post(who: str, b: dict[str, Any]) -> httpx.Response:
                return await client.post("/v1/orders", json=b, headers=creds[who])
            return list(await asyncio.gather(*(post(w, b) for w, b in plan)))

    answers = asyncio.run(run())
    assert [r.status_code for r in answers] == [201] * len(plan), [r.text for r in answers]
    assert committer.stats.groups == 3 and committer.stats.largest == 3
    actors: dict[str, set[str]] = {}
    for (who, b), r in zip(plan, answers, strict=True):
        order = r.json()
        assert order["external_id"] == b["external_id"]
        timeline = get(hub, admin, f"/v1/orders/{order['id']}/timeline").json()
        actors.setdefault(who, set()).update(e["actor"] for e in timeline)
    assert all(len(a) == 1 for a in actors.values()), actors
    assert len(set().union(*actors.values())) == 3, actors
