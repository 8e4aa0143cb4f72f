"""A period closing while a file is imported for it, on PostgreSQL with two connections:
the import waits for the close and is then refused; nothing of it is stored (issue 17)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.services.reconciliation import settlement

BILL = "运单号,日期,运费\nSF1,2026-11-20,10.00\n"


def test_an_import_racing_a_close_waits_and_is_refused(hub: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    now = hub.clock()
    settlement.import_file(hub.uow, "default", BILL.encode(), "a.csv", source="carrier:sf",
                           now=now, actor="fin")
    settlement.run(hub.uow, "default", "2026-11", now=now, actor="fin")
    outcome: list[BaseException | None] = []
    with hub.uow() as uow:  # the close, up to its commit
        state = uow.reconciliation.lock_period("default", "carrier:sf", "2026-11")
        assert state.status == "open"
        run = uow.reconciliation.latest_run("default", "carrier:sf", "2026-11")
        assert run is not None
        uow.reconciliation.close_period("default", "carrier:sf", "2026-11", run.id, now, "fin")

        def other() -> None:
            try:
                settlement.import_file(hub.uow, "default", (BILL + "SF2,2026-11-21,5\n")
                                       .encode(), "b.csv", source="carrier:sf", now=now,
                                       actor="fin2")
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        racer = threading.Thread(target=other)
        racer.start()
        racer.join(1.0)
        assert racer.is_alive(), "the import did not wait for the close"
        uow.commit()
    racer.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    assert "closed" in str(outcome[0])
    with hub.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.settlement_rows)
                            ).scalar_one() == 1
