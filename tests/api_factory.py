"""A uvicorn factory for tests that run the API as its own process: the app a server
builds, settings from the ORDERHUB_* variables the test sets."""

from __future__ import annotations

from fastapi import FastAPI

from orderhub.api.app import create_app
from orderhub.bootstrap import bootstrap


def create() -> FastAPI:
    return create_app(bootstrap(), background=True)
