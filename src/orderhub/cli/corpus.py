"""`orderhub corpus generate|evaluate`: the labelled channel-order corpus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    JsonOption,
    console,
    fail,
    print_json,
    progress,
)
from orderhub.cli.i18n import t

app = typer.Typer(help="The labelled channel-order corpus: generate and evaluate.",
                  no_args_is_help=True)


@app.command("generate")
def corpus_generate(
    out: Annotated[Path, typer.Option(help="JSON lines file to write (.gz: compressed)")] = Path(
        "corpus/channel_orders.jsonl.gz"),
    count: Annotated[int, typer.Option(min=1, max=1_000_000)] = 2400,
    seed: int = 1,
) -> None:
    """Write a seeded corpus of channel orders with injected, labelled defects."""
    from orderhub.tools.quality.corpus import generate, write

    records = generate(count, seed)
    write(records, out)
    kinds = Counter(r.defect for r in records)
    console.print(f"wrote {len(records)} records to {out}: "
                  + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


@app.command("evaluate")
def corpus_evaluate(
    path: Annotated[Path, typer.Argument(help="Corpus file from `corpus generate`")] = Path(
        "corpus/channel_orders.jsonl.gz"),
    limit: Annotated[int, typer.Option(min=0, help="Only the first N records (0: all)")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Detection recall and precision per defect type (exit 1 if any is below 95%)."""
    from orderhub.tools.quality.corpus import evaluate, read

    if not path.is_file():
        raise fail(t("no such file: {path}", path=path), 2)
    records = read(path)[: limit or None]
    with progress() as bar:
        task = bar.add_task(t("evaluating"), total=len(records))
        result = evaluate(records, progress=lambda n: bar.update(task, completed=n))
    failing = any(sc.recall < 0.95 or sc.precision < 0.95 for sc in result.scores.values())
    if as_json:
        print_json({"records": result.records, "seconds": result.seconds,
                    "accuracy": result.accuracy,
                    "scores": {code: {"expected": sc.tp + sc.fn, "detected": sc.tp + sc.fp,
                                      "recall": sc.recall, "precision": sc.precision}
                               for code, sc in sorted(result.scores.items())},
                    "confusions": [{"expected": e, "detected": d, "count": n}
                                   for (e, d), n in result.confusions.most_common()],
                    "passed": not failing})
        if failing:
            raise typer.Exit(1)
        return
    table = Table(title=f"{result.records} channel orders, {result.seconds:.1f} s; "
                        f"exactly right: {result.accuracy:.2%}")
    for col in ("defect / code", "expected", "detected", "recall", "precision"):
        table.add_column(col, justify="right" if col != "defect / code" else "left")
    for code, sc in sorted(result.scores.items()):
        table.add_row(code, str(sc.tp + sc.fn), str(sc.tp + sc.fp), f"{sc.recall:.1%}",
                      f"{sc.precision:.1%}")
    console.print(table)
    for (expected, detected), n in result.confusions.most_common(10):
        console.print(f"  expected {expected!r}, detected {detected!r}: {n}")
    if failing:
        raise typer.Exit(1)
