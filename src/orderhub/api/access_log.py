"""The HTTP access log without personal data or tracking links.

uvicorn logs every request's path with its query string (`uvicorn.access`), so a search by
phone (`GET /v1/service/orders?phone=...`, `/console/service?phone=...`,
`GET /v1/orders?phone=...`) would write the buyer's phone into the server's log, and a
tracking page's path (`/track/<tenant>/<token>`) the link that opens the order's page. The
filter installed here masks them before any handler sees the line."""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_PERSONAL = re.compile(r"(?i)([?&](?:phone|customer_phone|email|name)=)[^&#\s]*")
_TRACK = re.compile(r"(/track/[^/?#\s]+/)[^/?#\s]+")


def redact(path: str) -> str:
    """The path with personal query values and tracking tokens masked."""
    return _TRACK.sub(r"\1***", _PERSONAL.sub(r"\1***", path))


class RedactPersonalData(logging.Filter):
    """uvicorn's access line is `'%s - "%s %s HTTP/%s" %d'`: the third argument is the
    path with its query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact(args[2]), *args[3:])
        return True


def install() -> None:
    """Once per process (every app made adds nothing more)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactPersonalData) for f in logger.filters):
        logger.addFilter(RedactPersonalData())
