"""`orderhub anomaly train|evaluate|list|settings|set|prune`: anomaly detection at intake
(issue 14, item 5). Messages offered in Chinese too (异常检测).

`train` fits the model on the labelled generator's training seeds and installs it as the
current version (`<key_dir>/anomaly-models/`); `evaluate` prints recall and precision per
pattern and the false-hold rate on clean traffic for the seeds given (by default the
held-out seeds, which tuning never looks at)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    TenantOption,
    console,
    describe,
    emit,
    fail,
    open_hub,
    working,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Anomaly detection at intake (异常检测): model, settings, detections.",
                  no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]
SeedsOption = Annotated[str | None, typer.Option(
    "--seeds", help="Comma-separated generator seeds, or a range such as 9001-9005")]
OrdersOption = Annotated[int, typer.Option("--orders", help="Clean orders per seed")]


def _dump(doc: Any) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))


def parse_seeds(text: str) -> list[int]:
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            seeds += list(range(int(lo), int(hi) + 1)) if sep else [int(part)]
        except ValueError:
            raise fail(f"--seeds: '{part}' is not a seed or a range (e.g. 101-110)") from None
    if not seeds:
        raise fail("--seeds: give at least one seed")
    return seeds


def _corpus(seeds: list[int], orders: int, batch_size: int) -> list[Any]:
    from orderhub.tools.anomaly_traffic import as_order, demo_prices, generate

    prices = demo_prices()
    out = []
    for seed in seeds:
        traffic = generate(seed, prices, orders=orders)
        out.append([(now, [(as_order(it), it.label) for it in group])
                    for now, group in traffic.batches(batch_size)])
    return out


def _quality_table(title: str, doc: dict[str, Any]) -> None:
    table = Table(title=title)
    for col in ("pattern", "orders", "recall (held or flagged)", "recall (held)",
                "precision (code → anomalous)", "precision (code → pattern)"):
        table.add_column(col, justify="left" if col == "pattern" else "right")

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.1%}"

    for name, p in doc["patterns"].items():
        table.add_row(name, str(p["orders"]), pct(p["recall_detected"]), pct(p["recall_held"]),
                      pct(p["precision_anomalous"]), pct(p["precision_pattern"]))
    console.print(table)
    console.print(f"clean orders {doc['clean']}: false holds {pct(doc['false_hold_rate'])}, "
                  f"false flags {pct(doc['false_flag_rate'])} · held orders that were "
                  f"anomalous {pct(doc['precision_held'])} "
                  f"(误扣单率 {pct(doc['false_hold_rate'])})")


@app.command("train")
def anomaly_train(
    seeds: SeedsOption = None,
    orders: OrdersOption = 4000,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 100,
    as_json: JsonFlag = False,
    database_url: DbOption = None,
) -> None:
    """Train the model on the generator's training seeds and make it current (训练模型)."""
    from datetime import UTC, datetime

    from orderhub.services.anomaly.model import train
    from orderhub.tools.anomaly_traffic import HELD_OUT_SEEDS, PATTERN_CODES, TRAINING_SEEDS

    chosen = parse_seeds(seeds) if seeds else list(TRAINING_SEEDS)
    leaked = sorted(set(chosen) & set(HELD_OUT_SEEDS))
    if leaked:
        raise fail(f"--seeds: {leaked} are held-out seeds (kept for evaluation only); "
                   "训练不可使用保留种子")
    with open_hub(database_url) as hub, working("training the anomaly model"):
        result = train(hub.anomaly_models, _corpus(chosen, orders, batch_size), chosen,
                       PATTERN_CODES, datetime.now(UTC))
    if as_json:
        _dump(result)
        return
    console.print(f"model {result['version']} trained on seeds {chosen} and installed "
                  f"(模型 {result['version']} 已训练并启用)")
    _quality_table(f"on the training seeds (not a measurement) {chosen}",
                   result["training_figures"])


@app.command("evaluate")
def anomaly_evaluate(
    seeds: SeedsOption = None,
    orders: OrdersOption = 4000,
    batch_size: Annotated[int, typer.Option("--batch-size")] = 100,
    rules_only: Annotated[bool, typer.Option("--rules-only",
                                             help="Score without the model")] = False,
    as_json: JsonFlag = False,
    database_url: DbOption = None,
) -> None:
    """Recall and precision per pattern, false holds on clean traffic (评估), on the
    held-out seeds unless --seeds says otherwise."""
    from orderhub.services.anomaly.model import evaluate
    from orderhub.tools.anomaly_traffic import HELD_OUT_SEEDS, PATTERN_CODES

    chosen = parse_seeds(seeds) if seeds else list(HELD_OUT_SEEDS)
    with open_hub(database_url) as hub:
        scorer = None if rules_only else hub.anomaly_models.scorer()
    with working("scoring the held-out traffic"):
        doc = evaluate(_corpus(chosen, orders, batch_size), PATTERN_CODES, scorer=scorer)
    doc = {"seeds": chosen, "model_version": scorer.version if scorer else "rules", **doc}
    if as_json:
        _dump(doc)
        return
    _quality_table(f"seeds {chosen}, model {doc['model_version']}", doc)


@app.command("list")
def anomaly_list(
    tenant: TenantOption = "default",
    action: Annotated[str | None, typer.Option("--action", help="hold | flag")] = None,
    code: Annotated[str | None, typer.Option("--code", help="A reason code")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    as_json: JsonFlag = False,
    as_csv: CsvOption = False,
    database_url: DbOption = None,
) -> None:
    """Recent detections, newest first (最近的异常)."""
    from orderhub.services.anomaly.views import list_detections

    if action not in (None, "hold", "flag"):
        raise fail("--action: hold or flag")
    with open_hub(database_url) as hub:
        found = list_detections(hub.read_uow, tenant, action=action, code=code, limit=limit)
    if emit(found, as_json, as_csv):
        return
    table = Table(title=f"anomalies of {tenant} (异常)")
    for col in ("detected", "order", "action", "score", "reasons"):
        table.add_column(col)
    for d in found:
        table.add_row(str(d["detected_at"])[:19], d["order_id"], d["action"],
                      f"{d['score']:.2f}", "; ".join(r["message"] for r in d["reasons"]))
    console.print(table)


@app.command("settings")
def anomaly_settings(tenant: TenantOption = "default", database_url: DbOption = None) -> None:
    """The tenant's settings and the model in force (设置)."""
    from orderhub.services.anomaly.settings import get_settings

    try:
        with open_hub(database_url) as hub:
            _dump(get_settings(hub.read_uow, tenant))
    except DomainError as exc:
        raise fail(describe(exc)) from None


@app.command("set")
def anomaly_set(
    values: Annotated[list[str], typer.Argument(help="name=value pairs, e.g. enabled=false "
                                                "hold_threshold=0.9")],
    reason: Annotated[str, typer.Option("--reason", help="Why (audited)")],
    tenant: TenantOption = "default",
    actor: Annotated[str, typer.Option("--actor")] = "cli",
    database_url: DbOption = None,
) -> None:
    """Change settings; audited with the reason (修改设置，记入审计)."""
    from datetime import UTC, datetime

    from orderhub.services.anomaly.settings import update_settings

    changes: dict[str, Any] = {}
    for pair in values:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise fail(f"'{pair}': write name=value")
        try:
            changes[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            raise fail(f"'{pair}': the value must be a number, true or false") from None
    try:
        with open_hub(database_url) as hub:
            doc = update_settings(hub.uow, tenant, changes, reason=reason, actor=actor,
                                  now=datetime.now(UTC))
    except DomainError as exc:
        raise fail(describe(exc)) from None
    console.print(f"anomaly settings of {tenant} now version {doc['version']} "
                  f"(设置已更新，版本 {doc['version']})")


@app.command("prune")
def anomaly_prune(database_url: DbOption = None) -> None:
    """Delete intake fingerprints past their windows (清理过期指纹)."""
    from datetime import UTC, datetime

    from orderhub.services.anomaly.detection import prune

    with open_hub(database_url) as hub:
        removed = prune(hub.uow, datetime.now(UTC))
    console.print(f"{removed} fingerprints removed (已删除 {removed} 条)")
