"""The audit chain's anchors outside the database: signed checkpoints appended, one JSON
object a line, to `<key_dir>/audit-anchors/<tenant>.jsonl` (next to the keys, which are
outside the database too), and export files in the same format. Whoever rolls back or
deletes the log in the database cannot reach these; `orderhub audit verify` reads them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import orjson

from orderhub.domain.audit import Checkpoint


class AnchorFileError(ValueError):
    """An anchor file that cannot be read as checkpoints (the line is named)."""


def anchor_path(key_dir: str, tenant_id: str) -> Path:
    # quote: a tenant id never names a path outside the folder
    return Path(key_dir) / "audit-anchors" / f"{quote(tenant_id, safe='')}.jsonl"


def _line(cp: Checkpoint) -> bytes:
    return orjson.dumps(cp.as_dict()) + b"\n"


def append(key_dir: str, cp: Checkpoint) -> Path:
    """Append one checkpoint and make it durable before the caller commits."""
    path = anchor_path(key_dir, cp.tenant_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, _line(cp))
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def write(path: Path, checkpoints: Iterable[Checkpoint]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for cp in checkpoints:
            f.write(_line(cp))


def last(path: Path, tail_bytes: int = 8192) -> Checkpoint | None:
    """The newest checkpoint in a file (its last line) without reading all of it."""
    if not path.exists():
        return None
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - tail_bytes))
        lines = [line for line in f.read().split(b"\n") if line.strip()]
    if not lines:
        return None
    return _parse(lines[-1], path, "the last line")


def _parse(raw: bytes, path: Path, where: str) -> Checkpoint:
    try:
        d = orjson.loads(raw)
        return Checkpoint(str(d["tenant"]), int(d["seq"]), str(d["hash"]),
                          datetime.fromisoformat(d["at"]), str(d["signature"]),
                          str(d.get("public_key", "")))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise AnchorFileError(f"{path}: {where} is not a checkpoint ({exc})") from exc


def read(path: Path) -> list[Checkpoint]:
    """The checkpoints in a file; none when it does not exist."""
    if not path.exists():
        return []
    with path.open("rb") as f:
        return [_parse(raw, path, f"line {n}") for n, raw in enumerate(f, 1) if raw.strip()]
