"""CloudEvents 1.0 envelopes (structured JSON mode) for every published event.

    {"specversion": "1.0", "id": "evt_...", "source": "/orderhub/tenants/default",
     "type": "io.orderhub.OrderCreated", "subject": "ord_...", "time": "2026-...Z",
     "datacontenttype": "application/json", "tenant": "default", "sequence": 1,
     "data": {"status": "created", "actor": "api", "reason": "", ...}}

`tenant` and `sequence` are extension attributes: consumers order an order's events by
`sequence` and de-duplicate by `id`. Both times are carried: `time` is when the event
occurred (the domain's clock, set when the change was decided), `recordedtime` (the
CloudEvents Recorded Time extension) is when the transaction that committed it wrote it to
the outbox, at its flush before the commit. Commit -> consumer latency is measured from
`recordedtime`; events stored before migration 0027 have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

TYPE_PREFIX = "io.orderhub."
_SUBJECT_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class Envelope:
    id: str
    type: str  # the short name, e.g. OrderCreated
    tenant: str
    subject: str
    sequence: int
    time: datetime
    data: dict[str, Any]
    position: int | None = None  # publication position in the embedded log, if known
    recorded: datetime | None = None  # written by its committing transaction

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "specversion": "1.0",
            "id": self.id,
            "source": f"/orderhub/tenants/{self.tenant}",
            "type": TYPE_PREFIX + self.type,
            "subject": self.subject,
            "time": _timestamp(self.time),
            "datacontenttype": "application/json",
            "tenant": self.tenant,
            "sequence": self.sequence,
            "data": self.data,
        }
        if self.recorded is not None:
            doc["recordedtime"] = _timestamp(self.recorded)
        return doc

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Envelope:
        etype = str(doc["type"])
        return cls(
            id=str(doc["id"]),
            type=etype[len(TYPE_PREFIX) :] if etype.startswith(TYPE_PREFIX) else etype,
            tenant=str(doc["tenant"]),
            subject=str(doc.get("subject", "")),
            sequence=int(doc.get("sequence", 0)),
            time=_parse(str(doc["time"])),
            data=dict(doc.get("data") or {}),
            recorded=_parse(str(doc["recordedtime"])) if doc.get("recordedtime") else None,
        )

    @classmethod
    def from_json(cls, raw: bytes) -> Envelope:
        return cls.from_dict(orjson.loads(raw))

    @property
    def order_id(self) -> str:
        return self.subject if self.subject.startswith("ord_") else ""


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def subject_token(value: str) -> str:
    """A tenant id made safe as one NATS subject token (no dots, wildcards or spaces)."""
    return _SUBJECT_UNSAFE.sub("_", value) or "_"


def nats_subject(prefix: str, envelope: Envelope) -> str:
    return f"{prefix}.{subject_token(envelope.tenant)}.{envelope.type}"
