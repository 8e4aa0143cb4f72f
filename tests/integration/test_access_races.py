"""Races on who may manage a tenant, on PostgreSQL with two connections: two revocations of
its last two administrator keys cannot both commit (issue 12)."""

from __future__ import annotations

import threading

import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.services.access import credentials
from tests.api import issue_key


def key_id(token: str) -> str:
    return token.split("_")[1]


def test_two_revocations_cannot_leave_a_tenant_without_an_administrator(
        hub: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    first, second = key_id(issue_key(hub, name="admin-1")), key_id(issue_key(hub, name="admin-2"))
    now = hub.clock()
    outcome: list[BaseException | None] = []
    with hub.uow() as uow:  # the first revocation, up to its commit
        uow.access.revoke(first, now)
        credentials.keep_an_administrator(uow, "default", now)  # admin-2 is still there

        def other() -> None:
            try:
                credentials.revoke_key(hub.uow, "default", second, actor="t", now=now)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        racer = threading.Thread(target=other)
        racer.start()
        racer.join(1.0)
        assert racer.is_alive(), "the second revocation did not wait for the first"
        uow.commit()
    racer.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    usable = [k for k in credentials.list_keys(hub.read_uow, "default", now)
              if k["state"] == "active"]
    assert [k["name"] for k in usable] == ["admin-2"]
