"""Review 17a: `orderhub order edit --lang zh` names every outcome in Chinese, "held"
(an edit the network cannot fill) included."""

from __future__ import annotations

from orderhub.bootstrap import Hub
from tests.e2e.test_order_edit import run
from tests.factories import draft, seed_network
from tests.integration.test_events import submit


def test_an_edit_that_holds_the_order_says_so_in_chinese(hub: Hub, database_url: str) -> None:
    seed_network(hub)
    [oid] = submit(hub, draft("ZH-HELD", [("A", 2)]))
    code, out = run(database_url, "order", "edit", oid, "--qty", "1=900000", "--reason",
                    "太多", lang="zh")
    assert code == 0, out
    assert "已挂起" in out and "(held)" not in out and "（held）" not in out, out
