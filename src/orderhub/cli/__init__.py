"""The `orderhub` command line (typer + rich)."""
