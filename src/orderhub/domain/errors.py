"""Domain errors.

DomainError
├── NotFound                 an entity does not exist (for this tenant)
├── IllegalTransition        a lifecycle step not allowed from the current status
├── Conflict                 the request contradicts stored state
│   ├── IdempotencyConflict  the same key arrived with a different payload
│   └── StaleVersion         an edit made from an older version of the order
├── InvalidInput             field-level errors; nothing was stored
├── StockError               an inventory operation that would break an invariant
├── Unauthenticated          no credential, or one that is malformed, unknown, expired, revoked
└── Forbidden                the credential lacks the scope the operation needs
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    code = "domain_error"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class StaleVersion(Conflict):
    """The caller edited from an older version of the order than the stored one."""

    code = "stale_version"

    def __init__(self, order_id: str, expected: int, current: int) -> None:
        self.order_id = order_id
        self.expected = expected
        self.current = current
        super().__init__(f"order {order_id} is at version {current}, not {expected}: it "
                         "changed meanwhile; read it again and edit from the current version")


class IllegalTransition(DomainError):
    code = "illegal_transition"

    def __init__(self, order_id: str, current: str, target: str, allowed: list[str]) -> None:
        self.order_id = order_id
        self.current = current
        self.target = target
        self.allowed = allowed
        allowed_text = ", ".join(allowed) if allowed else "none (terminal status)"
        super().__init__(
            f"order {order_id} cannot go from '{current}' to '{target}'; "
            f"allowed next statuses: {allowed_text}"
        )


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; `loc` is a dotted path such as `lines.0.quantity`."""

    loc: str
    message: str


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.loc}: {e.message}" for e in errors))


class StockError(DomainError):
    code = "stock_error"


class Unauthenticated(DomainError):
    """Deliberately one message for every cause: the answer reveals nothing about keys."""

    code = "unauthenticated"

    def __init__(self) -> None:
        super().__init__("missing, malformed, unknown, expired or revoked credentials")


class Forbidden(DomainError):
    code = "forbidden"

    def __init__(self, scope: str, detail: str = "") -> None:
        self.scope = scope
        super().__init__(detail or f"this operation needs the scope '{scope}'")
