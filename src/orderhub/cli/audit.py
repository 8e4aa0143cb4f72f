"""`orderhub audit log|verify|checkpoint|export-checkpoints`: the tamper-evident log of rule
changes, rule decisions and administrative changes, keyed and anchored outside the DB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    TenantOption,
    console,
    emit,
    fail,
    open_hub,
)

app = typer.Typer(help="The tamper-evident audit log: list, verify, checkpoint, export.",
                  no_args_is_help=True)

AnchorsOption = Annotated[
    list[Path] | None,
    typer.Option("--anchors", help="An exported checkpoints file (audit export-checkpoints) "
                 "to check the chain against; repeatable", dir_okay=False)]
AnyTenant = Annotated[str | None, typer.Option("--tenant", help="One tenant (default: all)")]


@app.command("verify")
def audit_verify(anchors: AnchorsOption = None, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """Recompute the keyed chain and check it against its signed checkpoints (the table,
    <key_dir>/audit-anchors/ and --anchors); exit 1 naming the first broken entry."""
    from orderhub.services.audit import verify_chain

    for f in anchors or []:
        if not f.is_file():
            raise fail(f"--anchors: {f} is not a readable file", 2)
    with open_hub(database_url) as hub:
        v = verify_chain(hub.read_uow, tenant, key_dir=hub.settings.key_dir,
                         anchor_files=anchors or [])
    if not v.ok:
        where = f"first broken entry {v.first_broken}; " if v.first_broken else ""
        raise fail(f"audit chain TAMPERED: {v.problem} ({where}{v.checked} entries read)")
    legacy = f", {v.legacy} from before the audit key" if v.legacy else ""
    console.print(f"audit chain intact: {v.checked} entries{legacy}; {v.anchors} signed "
                  f"checkpoints agree (up to entry {v.anchored_seq})", highlight=False)


@app.command("checkpoint")
def audit_checkpoint(database_url: DbOption = None, tenant: AnyTenant = None) -> None:
    """Sign each chain's head now, keep it and append it to <key_dir>/audit-anchors/."""
    from orderhub.services.audit import checkpoint

    with open_hub(database_url) as hub:
        done = checkpoint(hub.uow, hub.settings.key_dir, hub.clock(), tenant)
    bad = [c for c in done if not c["ok"]]
    for c in done:
        if c["ok"]:
            console.print(f"{c['tenant']}: checkpoint at entry {c['seq']} {c['hash'][:16]}…",
                          highlight=False, markup=False)
    if bad:
        raise fail("; ".join(f"{c['tenant']}: not signed, {c['problem']}" for c in bad))
    if not done:
        console.print("nothing new to checkpoint")


@app.command("export-checkpoints")
def audit_export(out: Annotated[Path, typer.Option("--out", help="File to write (JSON lines)",
                                                    dir_okay=False)],
                 database_url: DbOption = None, tenant: AnyTenant = None) -> None:
    """Write the signed checkpoints, with the public key that checks them, for safekeeping."""
    from orderhub.services.audit import export_checkpoints

    with open_hub(database_url) as hub:
        try:
            n = export_checkpoints(hub.read_uow, out, tenant)
        except OSError as exc:
            raise fail(f"--out: cannot write {out}: {exc.strerror}") from exc
    console.print(f"{n} checkpoints written to {out} (public key {hub.audit_key.public_key})",
                  highlight=False, markup=False)


@app.command("log")
def audit_log(subject: Annotated[str | None, typer.Option(help="Order id or "
                                                          "routing-rule/<code>")] = None,
              kind: Annotated[str | None, typer.Option(help="One kind of entry")] = None,
              limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
              database_url: DbOption = None, tenant: TenantOption = "default",
              as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """The newest entries."""
    from orderhub.domain.audit import AUDITED_KINDS
    from orderhub.services.audit import entries

    if kind is not None and kind not in AUDITED_KINDS:
        raise fail(f"--kind: one of {', '.join(AUDITED_KINDS)}", 2)
    with open_hub(database_url) as hub:
        rows = entries(hub.read_uow, tenant, subject=subject, kind=kind, limit=limit)
    if emit(rows, as_json, as_csv):
        return
    for r in rows:
        console.print(f"{r['seq']:>6} {r['at']:%Y-%m-%d %H:%M:%S} {r['actor']} {r['kind']} "
                      f"{r['subject']}: {json.dumps(r['detail'], ensure_ascii=False)}",
                      highlight=False, markup=False)
