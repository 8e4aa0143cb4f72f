"""Follow-on work, in one screen: what runs when an event happens.

In the transaction (`FOLLOW_ON`): handlers that run inside the unit of work whose change
recorded the event, before it commits, so a consequence commits with its cause or neither
does (a closed warehouse and the re-routing of its open orders; a confirmed SKU mapping
and the re-validation of the orders held for it). A service records such an event with
`handle(uow, event, context)`.

After publication: durable consumers, fed by the outbox relay at least once and in order,
each with its own offset (`bootstrap.Hub.consumer`): the webhook fan-out
(`services/events/webhooks/fanout.py`) delivers every event, rule notifications included,
to the endpoints that subscribe to it. New consumers (customer notifications, the order
twin) are registered there the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from orderhub.domain import events as ev
from orderhub.services.intake import revalidation
from orderhub.services.network import follow_on
from orderhub.services.unit_of_work import UnitOfWork

E = TypeVar("E", bound=ev.Event)

FOLLOW_ON: Mapping[type[ev.Event], Sequence[Callable[[UnitOfWork, Any, Any], None]]] = {
    ev.WarehouseStatusChanged: [follow_on.after_site_change],
    ev.CarrierStatusChanged: [follow_on.after_carrier_change],
    ev.RegionBlocked: [follow_on.after_region_blocked],
    ev.RegionUnblocked: [follow_on.after_region_unblocked],
    ev.SkuMappingConfirmed: [revalidation.after_sku_mapped],
}


def handle(uow: UnitOfWork, event: E, context: Any) -> E:
    """Record `event` in the unit of work (it goes to the outbox at commit) and run its
    follow-on handlers now, in the same transaction, in the order listed."""
    uow.record(event)
    for handler in FOLLOW_ON.get(type(event), ()):
        handler(uow, event, context)
    return event
