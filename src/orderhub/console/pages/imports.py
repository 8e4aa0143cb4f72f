"""Imports: upload a CSV or XLSX order file for a channel; it is imported in the background
by `services/intake/file_import.import_file` (the service `orderhub import` calls) with
progress in orders done of total (console/imports.py), and the result is shown: orders
accepted by outcome, how many were held after validation, and the refused rows with their
row number, field and message in the viewer's language, and the columns no field reads.
A column mapping (HEADER=FIELD lines) may be given with the file, and "Preview" shows the
first rows as mapped without importing. Needs orders:write, the scope of POST
/v1/orders/batch (submitting orders)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from orderhub.console import imports, nav
from orderhub.console.deps import (
    CheckedDep,
    ConsoleForbidden,
    Viewer,
    hub_of,
    needs,
    owner_of,
)
from orderhub.console.i18n import Translator
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import InvalidInput, NotFound
from orderhub.services import catalog
from orderhub.services.intake.file_import import import_file, preview_file
from orderhub.services.intake.import_mappings import parse_pairs

router = APIRouter()
NAV = nav.register(nav.NavItem("imports", "/imports", Scope.ORDERS_WRITE, order=35))
MAX_BYTES = 20 * 1024 * 1024  # a 50,000-row CSV is about 10 MB
FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
BATCH = 200  # orders per transaction, as the CLI's default

# The parser's own words -> a catalogue key (with the value it names), so a refused row reads
# in the viewer's language; any other message is shown as the service wrote it.
_MESSAGES = (
    (re.compile(r"^is empty$"), "imp.msg_empty"),
    (re.compile(r"^must not be negative, got (?P<value>.+)$"), "imp.msg_negative"),
    (re.compile(r"^no column for this field.*; columns not understood: (?P<value>(?!none$).+)$"),
     "imp.msg_no_column_unknown"),
    (re.compile(r"^no column for this field"), "imp.msg_no_column"),
    (re.compile(r"^column '(?P<value>.+)' is not in the header$"), "imp.msg_no_header"),
    (re.compile(r"^the file has no header row$"), "imp.msg_no_header_row"),
    (re.compile(r"^'(?P<value>.*)' is not a currency \("), "imp.msg_not_currency"),
)


def row_message(t: Translator, message: str) -> str:
    for pattern, key in _MESSAGES:
        found = pattern.match(message)
        if found:
            return t(key, **found.groupdict())
    return message


def field_label(t: Translator, name: str) -> str:
    return t(f"imp.field_{name}") if t.has(f"imp.field_{name}") else name


def _channels(request: Request, v: Viewer) -> list[tuple[str, str]]:
    return catalog.filter_choices(hub_of(request).read_uow, v.principal.tenant_id)["channels"]


def _page(request: Request, v: Viewer, *, status: int = 200, errors: dict[str, str] | None = None,
          channel: str = "", mapping: str = "", preview: dict[str, Any] | None = None,
          mapping_error: str = "") -> Response:
    return render(request, v, "pages/imports.html", status=status, current=NAV.key,
                  channels=_channels(request, v), channel=channel, errors=errors or {},
                  jobs=imports.recent(hub_of(request).read_uow, v.principal.tenant_id,
                                      owner_of(v.principal), now=hub_of(request).clock()),
                  max_mb=MAX_BYTES // 2**20, mapping=mapping, preview=preview,
                  mapping_error=mapping_error)


@router.get("/imports")
def page(request: Request, v: Viewer = Depends(needs(Scope.ORDERS_WRITE))) -> Response:
    return _page(request, v)


@router.post("/imports")
async def upload(request: Request, v: CheckedDep) -> Response:
    hub = hub_of(request)
    errors: dict[str, str] = {}
    data = b""
    name = channel = mapping_text = ""
    async with request.form(max_files=1, max_fields=10) as form:  # closes the spooled file
        if not v.may(Scope.ORDERS_WRITE):
            raise ConsoleForbidden(Scope.ORDERS_WRITE.value)
        raw = form.get("channel")
        channel = raw.strip() if isinstance(raw, str) else ""
        raw_mapping = form.get("mapping")
        mapping_text = raw_mapping[:20000] if isinstance(raw_mapping, str) else ""
        wants_preview = form.get("action") == "preview"
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            name = upload.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
            data = await upload.read(MAX_BYTES + 1)
    if not channel:
        errors["channel"] = "field.required"
    elif channel not in {code for code, _ in _channels(request, v)}:
        errors["channel"] = "field.bad_choice"
    if not name:
        errors["file"] = "field.required"
    elif not any(name.lower().endswith(s) for s in FORMATS):
        errors["file"] = "imp.bad_format"
    elif not data:
        errors["file"] = "imp.empty_file"
    elif len(data) > MAX_BYTES:
        errors["file"] = "imp.too_big"
    mapping: dict[str, str] = {}
    mapping_error = ""
    try:
        mapping = parse_pairs([ln.strip() for ln in mapping_text.splitlines() if ln.strip()])
    except InvalidInput as exc:
        mapping_error = "; ".join(f"{e.loc}: {e.message}" for e in exc.errors)
        errors["mapping"] = "imp.bad_mapping"
    if errors:
        return _page(request, v, status=400, errors=errors, channel=channel,
                     mapping=mapping_text, mapping_error=mapping_error)
    fmt = next(kind for suffix, kind in FORMATS.items() if name.lower().endswith(suffix))
    tenant = v.principal.tenant_id
    if wants_preview:
        shown = preview_file(hub.read_uow, tenant, channel, data, name, fmt, mapping=mapping)
        return _page(request, v, channel=channel, mapping=mapping_text, preview=shown)

    def work(progress: Any) -> Any:
        return import_file(hub.uow, hub.read_uow, tenant, channel, data, name, fmt,
                           strategy=hub.strategy, clock=hub.clock,
                           presale_lock=hub.presale_lock, batch_size=BATCH,
                           progress=progress, decryptors=hub.settings.channel_decryptors,
                           mapping=mapping)

    job = imports.start(hub.uow, tenant, v.principal.actor, name, channel, work,
                        clock=hub.clock)
    return RedirectResponse(f"{base_of(request)}/imports/{job.id}", status_code=303)


@router.get("/imports/{job_id}")
def progress(request: Request, job_id: str,
             v: Viewer = Depends(needs(Scope.ORDERS_WRITE))) -> Response:
    hub = hub_of(request)
    job = imports.get(hub.read_uow, v.principal.tenant_id, job_id, owner_of(v.principal),
                      hub.clock())
    if job is None:
        raise NotFound(f"import {job_id} not found")
    block = "progress" if request.headers.get("hx-request") else None
    t = v.t
    rows = [] if job.report is None else [
        (e.row, field_label(t, e.field), row_message(t, e.message)) for e in job.report.errors]
    return render(request, v, "pages/import_job.html", block=block, current=NAV.key, job=job,
                  rows=rows)
