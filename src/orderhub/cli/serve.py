"""`orderhub serve`: the REST API, with the relay and workers in the same process."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.common import DbOption, console, open_hub, upgrade_schema
from orderhub.cli.keys import init_keys, print_init

app = typer.Typer()


@app.command()
def serve(
    database_url: DbOption = None,
    host: Annotated[str, typer.Option(envvar="ORDERHUB_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="ORDERHUB_PORT")] = 8000,
    demo: Annotated[bool, typer.Option(help="Load demo data into an empty database")] = False,
    background: Annotated[
        bool, typer.Option(help="Also run relay, consumers, webhooks and sweeper in this process")
    ] = True,
    workers: Annotated[int, typer.Option(
        min=1, max=64, envvar="ORDERHUB_WORKERS",
        help="API processes; with more than one, each bootstraps its own hub and the "
        "background work runs once, in this supervising process")] = 1,
) -> None:
    """Run the REST API (docs at /docs) with the outbox relay and expiry sweeper."""
    import uvicorn

    from orderhub.api.app import create_app

    if demo:  # the two-command quick start on a fresh clone: the keys first (kept if present)
        print_init(init_keys())
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        if demo:
            from orderhub.tools.demo import build_demo

            with hub.read_uow() as uow:
                empty = not uow.catalog.warehouses(hub.settings.default_tenant)
            if empty:
                s = build_demo(hub, hub.settings.default_tenant)
                console.print(
                    f"demo data: {s.warehouses} warehouses, {s.skus} SKUs, "
                    f"{s.stock_rows} stock rows"
                )
            from orderhub.tools.demo import ensure_demo_key

            key_file, made = ensure_demo_key(hub, hub.settings.key_dir)
            console.print(f"demo API key (tenant {hub.settings.default_tenant}, tenant_admin) "
                          f"{'written to' if made else 'in'} {key_file}: "
                          f"curl -H \"Authorization: Bearer $(cat {key_file})\" ...")
            from orderhub.tools.demo import ensure_demo_console_user

            pw_file, password, _ = ensure_demo_console_user(hub, hub.settings.key_dir)
            console.print(f"console: http://{host}:{port}/console  sign in as operator "
                          f"(tenant {hub.settings.default_tenant}), password {password} "
                          f"(kept in {pw_file})")
        console.print(f"orderhub API on http://{host}:{port}  (OpenAPI docs: /docs, "
                      f"console: /console)")
        if workers == 1:
            uvicorn.run(create_app(hub, background=background), host=host, port=port,
                        log_level="info")
            return
        # Several API processes (uvicorn spawns them: each builds its own hub from the
        # ORDERHUB_* settings, with its own engine, caches and group committer). One relay
        # and one set of consumers serve them all, here: the API processes cannot wake this
        # relay, so it polls the outbox often.
        import os

        if database_url:
            os.environ["ORDERHUB_DATABASE_URL"] = database_url
        if background:
            hub.relay.start(poll_seconds=0.01)
            hub.start_background(relay=False)
        uvicorn.run("orderhub.api.app:create_worker_app", factory=True, workers=workers,
                    host=host, port=port, log_level="info")
