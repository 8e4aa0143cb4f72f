"""Sagas that need a person onto the exception desk (kind compensation, source
`saga:<id>`, with the desk's remedies for the order), and off it once the saga is done or
running again (`orderhub sagas retry`). Run by the exception-sync job; each exception in a
transaction of its own (the desk takes the network lock before order rows)."""

from __future__ import annotations

import logging
from datetime import datetime

from orderhub.domain.exceptions.model import ExceptionKind
from orderhub.services.exceptions import desk
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)
ACTOR = "sagas"


def sync(make_uow: UowFactory, now: datetime) -> tuple[int, int]:
    """Returns (opened, closed)."""
    with make_uow() as uow:
        waiting = uow.sagas.needing_a_person_off_desk()
        settled = uow.sagas.desk_items_of_settled()
    opened = closed = 0
    for s in waiting:
        failed = [st for st in s["steps"] if st.get("state") == "failed"]
        why = failed[0].get("last_error", "") if failed else ""
        try:
            with make_uow() as uow:
                desk.open_exception(
                    uow, tenant_id=s["tenant_id"], order_id=s["order_id"],
                    kind=ExceptionKind.COMPENSATION, source=f"saga:{s['id']}",
                    reason=f"{s['kind']} saga needs a person: {s['cause']}"
                    + (f" ({why})" if why else ""), now=now, actor=ACTOR,
                    details={"saga_id": s["id"], "saga_kind": s["kind"]})
                uow.commit()
                opened += 1
        except Exception:  # tried again at the next turn; the saga itself is unchanged
            log.exception("saga %s could not be put on the exception desk", s["id"])
    for tenant, order_id, source in settled:
        with make_uow() as uow:
            closed += desk.resolve_exceptions(uow, tenant_id=tenant, order_id=order_id,
                                              source=source, reason="the saga went on",
                                              now=now, actor=ACTOR)
            uow.commit()
    return opened, closed
