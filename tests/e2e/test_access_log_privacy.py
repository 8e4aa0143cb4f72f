"""The access log of the API, the console and the tracking pages (uvicorn's `uvicorn.access`)
keeps no phone, email or name from a query string and no tracking-link token (issue 19:
customer service searches by phone; the buyer's link opens the order's page)."""

from __future__ import annotations

import logging

import pytest

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub

PHONE = "13800138000"


def uvicorn_line(path: str) -> None:
    # exactly how uvicorn's h11 and httptools protocols write it
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000",
                                              "GET", path, "1.1", 200)


def test_the_access_log_masks_phones_and_tracking_tokens(
        hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    create_app(hub, background=False)
    token = "AAEx9k1f3sQwZ2Jv8c7d6e5f4g3h2i1j0kLmNoPqRsTuVwXyZ"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        uvicorn_line(f"/console/service?phone={PHONE}")
        uvicorn_line(f"/v1/service/orders?waybill=ZT1&phone=%2B86{PHONE}")
        uvicorn_line(f"/v1/orders?status=shipped&phone={PHONE}&email=li%40example.com")
        uvicorn_line(f"/track/default/{token}?lang=en")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert PHONE not in text and "example.com" not in text and token not in text
    assert "/console/service?phone=***" in text and "waybill=ZT1" in text
    assert "/track/default/***?lang=en" in text and "status=shipped" in text
