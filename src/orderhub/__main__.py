"""`python -m orderhub` is the `orderhub` command."""

from orderhub.cli.app import main

main()
