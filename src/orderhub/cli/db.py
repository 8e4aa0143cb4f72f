"""`orderhub db upgrade`: the database schema."""

from __future__ import annotations

import typer

from orderhub.cli.common import DbOption, console, open_hub, upgrade_schema

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(database_url: DbOption = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from orderhub.adapters.db.migrate import current_revision

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        console.print(
            f"schema at revision [bold]{current_revision(hub.engine)}[/bold] "
            f"({hub.engine.url.render_as_string(hide_password=True)})"
        )
