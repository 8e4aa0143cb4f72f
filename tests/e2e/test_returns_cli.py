"""`orderhub return ...` as an operator types it (issue 17): request with --line N:QTY and a
reason, approval by a person, receipt with N:QTY:GRADE (ATP before and after), the refund
completed, return rates, the policy from a file, bad input as a message and exit code."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.e2e.test_returns_api import atp, seed, shipped_order


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    return out.exit_code, out.output


def test_return_chain_from_the_command_line(hub: Hub, database_url: str,
                                            tmp_path: Path) -> None:
    seed(hub)
    with api_client(hub) as client:
        oid = shipped_order(client, "CLI-R1", [
            {"sku": "A", "quantity": 2, "unit_price": "30.00"}], shipping_fee="6.00")["id"]
        before = atp(client, "A")

    policy = tmp_path / "policy.json"
    # the CLI runs on the real clock, the order shipped on the tests' clock: a long window
    policy.write_text(json.dumps({"auto_approve_reasons": ["damaged"], "window_days": 3650,
                                  "restocking_fee_percent": "10"}), encoding="utf-8")
    code, out = run(database_url, "return", "policy", "--set", str(policy), "--json")
    assert code == 0 and json.loads(out)["version"] == 1, out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"window_days": "soon"}), encoding="utf-8")
    code, out = run(database_url, "return", "policy", "--set", str(bad))
    assert code == 1 and "window_days" in out

    code, out = run(database_url, "return", "request", oid[:12], "--line", "1:3",
                    "--reason", "size")
    assert code == 1 and "at most 2" in out, out
    code, out = run(database_url, "return", "request", oid, "--line", "1-2",
                    "--reason", "size")
    assert code == 2 and "N:QTY" in out
    code, out = run(database_url, "return", "request", oid, "--line", "1:2",
                    "--reason", "size", "--json")
    assert code == 0, out
    rma = json.loads(out)
    assert rma["status"] == "requested" and rma["source"] == "cli"  # size: a person decides
    rid = rma["id"]

    code, out = run(database_url, "return", "approve", rid[:10], "--reason", "fits badly")
    assert code == 0 and "approved" in out and "退货运单" in out, out
    code, out = run(database_url, "return", "receive", rid, "--warehouse", "SH",
                    "--line", "1:1:resell", "--line", "1:1:refurbish")
    assert code == 0 and "可二次销售" in out and "待翻新" in out, out
    with api_client(hub) as client:
        assert atp(client, "A") == before + 1
    code, out = run(database_url, "return", "show", rid, "--json")
    refund = json.loads(out)["refund"]
    # 60.00 of goods back, less 10% restocking; the buyer's reason: no shipping back
    assert (refund["merchandise"], refund["restocking_fee"], refund["total"]) == (
        "60.00", "-6.00", "54.00")
    code, out = run(database_url, "return", "refund-complete", rid, "--reference", "BANK-7")
    assert code == 0 and "已退款" in out, out
    code, out = run(database_url, "return", "refund-complete", rid, "--reference", "BANK-7")
    assert code == 1 and "refunded" in out

    code, out = run(database_url, "return", "list", "--status", "refunded")
    assert code == 0 and rid in out
    code, out = run(database_url, "return", "stats", "--json")
    a = next(x for x in json.loads(out)["by_sku"] if x["sku"] == "A")
    assert (a["returned"], a["shipped"], a["rate"]) == (2, 2, "1.0000")
    code, out = run(database_url, "return", "stats")
    assert code == 0 and "退货率" in out
    code, out = run(database_url, "return", "reasons")
    assert "changed_mind" in out and "商品破损" in out
    code, out = run(database_url, "return", "show", "rma_nope")
    assert code == 1 and "not found" in out
    code, out = run(database_url, "order", "show", oid, "--json")
    types = [e["type"] for e in json.loads(out)["timeline"]]
    assert code == 0 and types[-3:] == ["ReturnReceived", "RefundRequested", "RefundCompleted"]
