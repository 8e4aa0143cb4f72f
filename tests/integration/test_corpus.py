"""The labelled channel-order corpus: every defect type detected with recall and precision
of at least 95%, through the real adapters and intake (on an embedded store)."""

from __future__ import annotations

import gzip
from pathlib import Path

from typer.testing import CliRunner

from orderhub.cli.app import app
from orderhub.tools.quality.corpus import DEFECTS, evaluate, generate

ROOT = Path(__file__).resolve().parents[2]


def test_every_defect_type_is_detected() -> None:
    records = generate(count=450, seed=5)
    assert {r.defect for r in records} == {*DEFECTS, "none"}
    result = evaluate(records)
    assert result.records == 450
    for code, score in result.scores.items():
        assert score.recall >= 0.95, (code, score)
        assert score.precision >= 0.95, (code, score)
    assert result.accuracy >= 0.95


def test_committed_corpus_is_the_seeded_script_output() -> None:
    committed = gzip.decompress((ROOT / "corpus" / "channel_orders.jsonl.gz").read_bytes())
    regenerated = b"".join(r.to_json() + b"\n" for r in generate(2400, 1))
    assert committed == regenerated
    assert committed.count(b"\n") >= 2000


def test_cli_evaluate_reports_per_defect(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "c.jsonl.gz"
    r = runner.invoke(app, ["corpus", "generate", "--count", "120", "--seed", "9", "--out",
                            str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["corpus", "evaluate", str(out)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "recall" in r.output and "unmapped_sku" in r.output
