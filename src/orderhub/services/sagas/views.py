"""Sagas for people: the list (the exception desk's "needs a human"), one saga, a retry."""

from __future__ import annotations

from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.saga import Saga, SagaKind, SagaState
from orderhub.services.sagas.runner import Compensator, run
from orderhub.services.unit_of_work import UowFactory


def _mine(saga: Saga, bound_to: frozenset[str]) -> bool:
    """A caller bound to warehouses sees the sagas of its own warehouses' refusals only."""
    return not bound_to or bool(set(saga.data.get("warehouses", [])) & bound_to)


def list_sagas(make_uow: UowFactory, tenant_id: str, *, state: str | None = None,
               order_id: str | None = None, kind: str | None = None, limit: int = 50,
               cursor: str | None = None,
               bound_to: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Newest first; `next_cursor` pages on."""
    problems = []
    if state and state not in SagaState._value2member_map_:
        problems.append(FieldError("state", "one of " + ", ".join(s.value for s in SagaState)))
    if kind and kind not in SagaKind._value2member_map_:
        problems.append(FieldError("kind", "one of " + ", ".join(k.value for k in SagaKind)))
    if problems:
        raise InvalidInput(problems)
    with make_uow() as uow:
        found = uow.sagas.search(tenant_id, state=state, order_id=order_id, kind=kind,
                                 before=cursor, limit=limit + 1)
    more = len(found) > limit
    items = found[:limit]
    return {"items": [s.as_dict() for s in items if _mine(s, bound_to)],
            "next_cursor": items[-1].id if more and items else None}


def get_saga(make_uow: UowFactory, tenant_id: str, saga_id: str, *,
             bound_to: frozenset[str] = frozenset()) -> dict[str, Any]:
    with make_uow() as uow:
        saga = uow.sagas.get(tenant_id, saga_id)
    if not _mine(saga, bound_to):
        raise NotFound(f"saga {saga_id} not found")
    return saga.as_dict()


def retry_saga(c: Compensator, tenant_id: str, saga_id: str, *, actor: str,
               bound_to: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A saga that needed a human is tried again from its failed step (Conflict otherwise)."""
    now = c.clock()
    with c.make_uow() as uow:
        saga = uow.sagas.get(tenant_id, saga_id, lock=True)
        if not _mine(saga, bound_to):
            raise NotFound(f"saga {saga_id} not found")
        saga.retry(now, actor)
        uow.sagas.save(saga)
        uow.commit()
    return run(c, tenant_id, saga_id).as_dict()
