"""Label layouts per carrier, as data: the built-in ones (adapters/labels/layouts/) and a
tenant's own versions, checked whole when saved (unknown field names refused with their
path), audited (`label_layout_change`) and evented (`LabelLayoutSaved`) in one
transaction.

Which layout a shipment's label uses: the tenant's layout for its carrier, else the
built-in one for the carrier, else the tenant's `default`, else the built-in default."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderhub.adapters.labels.builtin import builtin_layouts
from orderhub.domain import events as ev
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.labels import (
    DEFAULT_CARRIER,
    LabelLayout,
    parse_layout,
    valid_carrier_code,
)
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory, retry_unique_race


def carrier_code(code: str) -> str:
    code = code.strip()
    if code.lower() == DEFAULT_CARRIER:
        return DEFAULT_CARRIER
    if not valid_carrier_code(code):
        raise InvalidInput([FieldError("carrier", "a carrier code: letters, digits, - or _, "
                                       "at most 32")])
    return code.upper()


def resolve(uow: UnitOfWork, tenant_id: str, carrier: str,
            cache: dict[str, tuple[LabelLayout, str]] | None = None) -> tuple[LabelLayout, str]:
    """The layout a label of `carrier` prints with, and its version tag (`tenant-3`,
    `builtin-1`) as document records keep it."""
    if cache is not None and carrier in cache:
        return cache[carrier]
    builtin = builtin_layouts()
    found: tuple[LabelLayout, str] | None = None
    for code, allow_builtin in ((carrier, True), (DEFAULT_CARRIER, False)):
        stored = uow.labels.layout(tenant_id, code) if code else None
        if stored is not None:
            found = (parse_layout(stored.document, carrier=code, version=stored.version),
                     f"tenant-{stored.version}")
            break
        if allow_builtin and code in builtin:
            found = (builtin[code], f"builtin-{builtin[code].version}")
            break
    if found is None:
        found = (builtin[DEFAULT_CARRIER], f"builtin-{builtin[DEFAULT_CARRIER].version}")
    if cache is not None:
        cache[carrier] = found
    return found


def _view(layout: LabelLayout, source: str, created_at: datetime | None = None,
          created_by: str = "") -> dict[str, Any]:
    return {"carrier": layout.carrier, "version": layout.version, "source": source,
            "created_at": created_at, "created_by": created_by, "layout": layout.as_dict()}


def save_layout(make_uow: UowFactory, tenant_id: str, carrier: str, document: Any, *,
                now: datetime, actor: str) -> dict[str, Any]:
    """Check `document` and store it as the next version of the tenant's layout for
    `carrier`; InvalidInput (every problem with its path) stores nothing."""
    code = carrier_code(carrier)
    # two saves at once: the version key refuses the second, which runs again (max + 1)
    return retry_unique_race(lambda: _save(make_uow, tenant_id, code, document, now, actor))


def _save(make_uow: UowFactory, tenant_id: str, code: str, document: Any, now: datetime,
          actor: str) -> dict[str, Any]:
    with make_uow() as uow:
        uow.labels.lock_layouts(tenant_id)
        current = uow.labels.layout(tenant_id, code)
        version = (current.version if current else 0) + 1
        layout = parse_layout(document, carrier=code, version=version)
        stored = layout.as_dict()
        uow.labels.add_layout(tenant_id, code, version, stored, now, actor)
        names = [f.name for f in layout.fields]
        audit.note(uow, tenant_id, now, actor, "label_layout_change", f"label-layout/{code}",
                   {"version": {"before": current.version if current else None,
                                "after": version}, "fields": names,
                    "barcode": layout.barcode.type})
        uow.record(ev.LabelLayoutSaved(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                       carrier=code, version=version, fields=names))
        uow.commit()
    return _view(layout, "tenant", now, actor)


def get_layout(make_uow: UowFactory, tenant_id: str, carrier: str) -> dict[str, Any]:
    """The layout `carrier`'s labels print with now (the tenant's or the built-in one)."""
    code = carrier_code(carrier)
    with make_uow() as uow:
        stored = uow.labels.layout(tenant_id, code)
        if stored is not None:
            layout = parse_layout(stored.document, carrier=code, version=stored.version)
            return _view(layout, "tenant", stored.created_at, stored.created_by)
        layout, tag = resolve(uow, tenant_id, code)
    return _view(layout, "builtin" if tag.startswith("builtin") else "tenant")


def list_layouts(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    """Every carrier with a layout: the tenant's own (newest version) over the built-in."""
    with make_uow() as uow:
        own = {s.carrier: s for s in uow.labels.layouts(tenant_id)}
    out: dict[str, dict[str, Any]] = {}
    for code, layout in builtin_layouts().items():
        out[code] = {"carrier": code, "version": layout.version, "source": "builtin",
                     "name": layout.name}
    for code, s in own.items():
        out[code] = {"carrier": code, "version": s.version, "source": "tenant",
                     "name": str(s.document.get("name", code)), "created_at": s.created_at,
                     "created_by": s.created_by}
    return [out[k] for k in sorted(out)]


def layout_versions(make_uow: UowFactory, tenant_id: str, carrier: str) -> list[dict[str, Any]]:
    code = carrier_code(carrier)
    with make_uow() as uow:
        versions = uow.labels.versions(tenant_id, code)
    if not versions:
        raise NotFound("no layout of the tenant's own for this carrier (the built-in one "
                       "is in force)")
    return [{"carrier": code, "version": s.version, "created_at": s.created_at,
             "created_by": s.created_by, "layout": s.document} for s in versions]
