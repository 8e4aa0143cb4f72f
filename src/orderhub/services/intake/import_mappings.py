"""Column mappings of tabular order files: `HEADER=FIELD` pairs given with one import, or
saved per channel (and tenant) for all its imports. A mapping is written the way a user
reads the file, {file header: canonical field}; the reader (`adapters/channels/tabular`)
takes it the other way round, {canonical field: header}. A malformed mapping is refused
whole, naming the pair and the field; nothing is saved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from orderhub.adapters.channels.tabular import CANONICAL_FIELDS, check_mapping
from orderhub.adapters.channels.tabular.parse import normalise
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory

MAX_PAIRS = 200


def parse_pairs(pairs: Sequence[str], loc: str = "map") -> dict[str, str]:
    """`["po_number=external_id", "收货人电话=phone"]` as {header: field}."""
    out: dict[str, str] = {}
    for i, pair in enumerate(pairs):
        header, sep, name = pair.partition("=")
        if not sep:
            raise InvalidInput([FieldError(f"{loc}.{i}", f"'{pair}' is not HEADER=FIELD")])
        out[header.strip()] = name.strip()
    return check_pairs(out, loc)


def check_pairs(mapping: Mapping[str, Any], loc: str = "mapping") -> dict[str, str]:
    """{header: field} checked: headers not empty and each once, fields known and each
    named once. InvalidInput names every bad entry."""
    errors: list[FieldError] = []
    if len(mapping) > MAX_PAIRS:
        errors.append(FieldError(loc, f"at most {MAX_PAIRS} columns"))
    fields: dict[str, str] = {}
    headers: dict[str, str] = {}
    out: dict[str, str] = {}
    for header, name in mapping.items():
        where = f"{loc}.{header}" if header else loc
        if not isinstance(name, str) or not isinstance(header, str):
            errors.append(FieldError(where, "header and field must be text"))
            continue
        header, name = header.strip(), name.strip()
        if not normalise(header):
            errors.append(FieldError(where, f"empty header for field '{name}'"))
        elif name not in CANONICAL_FIELDS:
            errors.append(FieldError(where, f"unknown field '{name}'; known: "
                                            + ", ".join(CANONICAL_FIELDS)))
        elif name in fields:
            errors.append(FieldError(where, f"field '{name}' is already mapped from "
                                            f"'{fields[name]}'"))
        elif normalise(header) in headers:
            errors.append(FieldError(where, f"header '{header}' is mapped twice"))
        else:
            fields[name] = header
            headers[normalise(header)] = name
            out[header] = name
    if errors:
        raise InvalidInput(errors)
    return out


def reader_mapping(saved: Mapping[str, str] | None, given: Mapping[str, str] | None,
                   ) -> tuple[dict[str, str], set[str]]:
    """({field: header} for the reader, the fields only the saved mapping names) from the
    channel's saved {header: field} mapping and the call's own, the call's winning. A saved
    header missing from a file is no error (a channel's files differ); a given one is."""
    by_field: dict[str, str] = {}
    optional: set[str] = set()
    for mapping, is_saved in ((saved, True), (given, False)):
        for header, name in (mapping or {}).items():
            for field_name, old in list(by_field.items()):  # a header re-mapped
                if normalise(old) == normalise(header) or field_name == name:
                    del by_field[field_name]
                    optional.discard(field_name)
            by_field[name] = header
            if is_saved:
                optional.add(name)
    try:
        check_mapping(by_field)
    except ValueError as exc:  # pragma: no cover - check_pairs refused these already
        raise InvalidInput([FieldError("mapping", str(exc))]) from None
    return by_field, optional


def _channel_known(uow: Any, tenant_id: str, channel: str) -> None:
    if channel not in {c.code for c in uow.catalog.channels(tenant_id)}:
        raise NotFound(f"channel '{channel}' not found")


def saved_mapping(read_uow: UowFactory, tenant_id: str, channel: str) -> dict[str, str]:
    """The channel's saved mapping {header: field} ({} when none)."""
    with read_uow() as uow:
        return uow.catalog.import_mapping(tenant_id, channel) or {}


def show_mapping(read_uow: UowFactory, tenant_id: str, channel: str) -> dict[str, Any]:
    """The channel's saved mapping as the CLI and API show it."""
    with read_uow() as uow:
        _channel_known(uow, tenant_id, channel)
        mapping = uow.catalog.import_mapping(tenant_id, channel)
    return {"channel": channel, "saved": mapping is not None, "mapping": mapping or {}}


def save_mapping(make_uow: UowFactory, tenant_id: str, channel: str,
                 mapping: Mapping[str, Any], *, actor: str, now: datetime) -> dict[str, Any]:
    """Replace the channel's saved mapping (audited as a channel change); {} deletes it."""
    checked = check_pairs(mapping)
    with make_uow() as uow:
        _channel_known(uow, tenant_id, channel)
        before = uow.catalog.import_mapping(tenant_id, channel) or {}
        uow.catalog.save_import_mapping(tenant_id, channel, checked, actor, now)
        audit.note(uow, tenant_id, now, actor, "channel_change",
                   f"channel/{channel}/import-mapping",
                   {"change": "import mapping saved" if checked else "import mapping deleted",
                    "before": before, "after": checked})
        uow.commit()
    return {"channel": channel, "saved": bool(checked), "mapping": checked}
