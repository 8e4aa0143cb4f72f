"""Issue 16: the independently written corpus (corpus/independent/) runs through the
black-box evaluator, and every record is reported. No accuracy threshold here: the
figures are a measurement (`orderhub corpus evaluate corpus/independent`), not a gate.

The evaluator makes its own embedded store (SQLite in a temporary directory), so this is
not parametrised over the `database_url` fixture."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orderhub.cli.app import app

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "independent"


def test_every_record_of_the_independent_corpus_is_reported() -> None:
    labels = [json.loads(line) for line in
              (CORPUS / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line]
    result = CliRunner().invoke(app, ["corpus", "evaluate", str(CORPUS), "--json"])
    assert result.exit_code in (0, 1), result.output  # 1: below issue 16's bar, still a report
    report = json.loads(result.stdout)
    assert report["records"] == len(labels) == len(report["results"])
    assert [r["id"] for r in report["results"]] == [lab["id"] for lab in labels]
    assert report["passed"] is (result.exit_code == 0)
    for r, lab in zip(report["results"], labels, strict=True):
        assert r["expected"] == lab["expected"]
        # a record either reached the hub and was answered, or says why it did not
        assert r["outcome"], r
        if lab["fields"] and r["order_id"]:
            assert set(r["fields"]) == {k for k, v in lab["fields"].items() if v is not None}
    counted = sum(s["expected"] for s in report["defects"].values())
    assert counted == sum(
        1 for lab in labels for e in lab["expected"] if not e.startswith("refused"))
    assert sum(v["expected"] for v in report["refusals"].values()) == sum(
        1 for lab in labels for e in lab["expected"] if e.startswith("refused"))
    assert report["clean"] == sum(1 for lab in labels if not lab["expected"])
