"""CloudEvents 1.0 envelopes (structured JSON mode) for every published event.

    {"specversion": "1.0", "id": "evt_...", "source": "/orderhub/tenants/default",
     "type": "io.orderhub.OrderCreated", "subject": "ord_...", "time": "2026-...Z",
     "datacontenttype": "application/json", "tenant": "default", "sequence": 1,
     "data": {"status": "created", "actor": "api", "reason": "", ...}}

`tenant` and `sequence` are extension attributes: consumers order an order's events by
`sequence` and de-duplicate by `id`.
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": f"/orderhub/tenants/{self.tenant}",
            "type": TYPE_PREFIX + self.type,
            "subject": self.subject,
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "tenant": self.tenant,
            "sequence": self.sequence,
            "data": self.data,
        }

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
            time=datetime.fromisoformat(str(doc["time"]).replace("Z", "+00:00")),
            data=dict(doc.get("data") or {}),
        )

    @classmethod
    def from_json(cls, raw: bytes) -> Envelope:
        return cls.from_dict(orjson.loads(raw))

    @property
    def order_id(self) -> str:
        return self.subject if self.subject.startswith("ord_") else ""


def subject_token(value: str) -> str:
    """A tenant id made safe as one NATS subject token (no dots, wildcards or spaces)."""
    return _SUBJECT_UNSAFE.sub("_", value) or "_"


def nats_subject(prefix: str, envelope: Envelope) -> str:
    return f"{prefix}.{subject_token(envelope.tenant)}.{envelope.type}"
