"""The one place that says which scope each operation needs. Authorisation (api/auth.py),
the OpenAPI document (`security` per operation), the scope matrix test and the table in
docs/access.md are all made from OPERATION_SCOPES: an operation missing here is refused.

PUBLIC: no credentials (health, documentation, signing in, a channel's own signed webhook,
which its signature authenticates). AUTHENTICATED: any valid credential of the tenant.
"""

from __future__ import annotations

from typing import Final

from orderhub.domain.access import Scope

S = Scope
PUBLIC: Final = "public"
AUTHENTICATED: Final = "authenticated"
Requirement = Scope | str

OPERATION_SCOPES: dict[str, Requirement] = {
    "GET /healthz": PUBLIC,
    "GET /metrics": S.METRICS_READ,
    # orders
    "POST /v1/orders": S.ORDERS_WRITE,
    "POST /v1/orders/batch": S.ORDERS_WRITE,
    "GET /v1/orders": S.ORDERS_READ,
    "GET /v1/orders/held": S.ORDERS_READ,
    "POST /v1/orders/expire-reservations": S.ORDERS_MANAGE,
    "GET /v1/orders/{order_id}": S.ORDERS_READ,
    "GET /v1/orders/{order_id}/timeline": S.ORDERS_READ,
    "GET /v1/orders/{order_id}/routing": S.ORDERS_READ,
    "GET /v1/orders/{order_id}/twin": S.ORDERS_READ,
    "GET /v1/orders/{order_id}/tracking": S.ORDERS_READ,
    "POST /v1/orders/{order_id}/cancel": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/ship": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/resume": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/release": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/pick": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/pack": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/deliver": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/invoice": S.ORDERS_BILL,
    "POST /v1/orders/{order_id}/pay": S.ORDERS_BILL,
    "PATCH /v1/orders/{order_id}/shipping-address": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/address-suggestion/accept": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/override": S.ORDERS_MANAGE,
    # a warehouse refuses a released order (a key bound to it: see WAREHOUSE_BOUND_SCOPES)
    "POST /v1/orders/{order_id}/release-rejected": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/payment-failed": S.ORDERS_BILL,
    # channels and the crosswalk
    "POST /v1/channels/{channel}/webhook": PUBLIC,
    "POST /v1/channels/{channel}/imports": S.ORDERS_WRITE,
    "POST /v1/channels/{channel}/imports/preview": S.ORDERS_WRITE,
    "GET /v1/channels/{channel}/import-mapping": S.CATALOG_READ,
    "PUT /v1/channels/{channel}/import-mapping": S.CATALOG_WRITE,
    "POST /v1/sku-mappings": S.CROSSWALK_MANAGE,
    "GET /v1/sku-mappings": S.CATALOG_READ,
    # anomaly detection at intake: detections are exceptions; settings are rules
    "GET /v1/anomalies": S.EXCEPTIONS_READ,
    "GET /v1/anomalies/settings": S.RULES_READ,
    "PUT /v1/anomalies/settings": S.RULES_APPROVE,
    # validation rules (live changes are an approver's)
    "GET /v1/validation/rules": S.RULES_READ,
    "PATCH /v1/validation/rules/{code}": S.RULES_APPROVE,
    "GET /v1/validation/rules/{code}/history": S.RULES_READ,
    # catalogue
    "POST /v1/warehouses": S.CATALOG_WRITE,
    "GET /v1/warehouses": S.CATALOG_READ,
    "GET /v1/warehouses/{code}": S.CATALOG_READ,
    "PATCH /v1/warehouses/{code}": S.NETWORK_WRITE,
    "POST /v1/warehouses/{code}/close": S.NETWORK_WRITE,
    "POST /v1/skus": S.CATALOG_WRITE,
    "GET /v1/skus": S.CATALOG_READ,
    "POST /v1/skus/batch": S.CATALOG_WRITE,
    "GET /v1/skus/{code}": S.CATALOG_READ,
    "PATCH /v1/skus/{code}": S.CATALOG_WRITE,
    "POST /v1/channels": S.CATALOG_WRITE,
    "GET /v1/channels": S.CATALOG_READ,
    # channel cut-over in shadow mode: switching modes and the legacy data are an admin's
    "POST /v1/channels/{code}/shadow": S.CHANNELS_MANAGE,
    "POST /v1/channels/{code}/cutover/legacy": S.CHANNELS_MANAGE,
    "GET /v1/channels/{code}/cutover/report": S.ORDERS_READ,
    "POST /v1/channels/{code}/promote": S.CHANNELS_MANAGE,
    # exchange rates into the tenant's base currency: reference data, as the catalogue
    "POST /v1/fx-rates": S.CATALOG_WRITE,
    "GET /v1/fx-rates": S.CATALOG_READ,
    "GET /v1/fx-settings": S.CATALOG_READ,
    "PUT /v1/fx-settings": S.CATALOG_WRITE,
    # inventory
    "GET /v1/inventory": S.INVENTORY_READ,
    "GET /v1/inventory/{sku}": S.INVENTORY_READ,
    "POST /v1/inventory/receipts": S.INVENTORY_WRITE,
    "POST /v1/inventory/adjustments": S.INVENTORY_WRITE,
    "PUT /v1/inventory/{sku}/{warehouse}/safety-stock": S.INVENTORY_WRITE,
    # network and routing
    "PUT /v1/carriers/{code}/lanes": S.NETWORK_WRITE,
    "GET /v1/carriers": S.NETWORK_READ,
    # the order twin: open orders by health, alerts, SLA policies
    "GET /v1/twins": S.EXCEPTIONS_READ,
    "GET /v1/alerts": S.EXCEPTIONS_READ,
    "POST /v1/alerts/{alert_id}/acknowledge": S.EXCEPTIONS_ACT,
    "GET /v1/sla/policy": S.RULES_READ,
    "GET /v1/sla/policy/versions": S.RULES_READ,
    "PUT /v1/sla/policy": S.SLA_WRITE,
    "PUT /v1/sla/calendars/{warehouse}": S.SLA_WRITE,
    "PATCH /v1/carriers/{code}": S.NETWORK_WRITE,
    # carrier tracking: a carrier's pushes (also signed), its signing secret
    "POST /v1/carriers/{code}/tracking": S.TRACKING_PUSH,
    "PUT /v1/carriers/{code}/tracking/secret": S.NETWORK_WRITE,
    "GET /v1/routing/network": S.NETWORK_READ,
    "GET /v1/routing/blocks": S.NETWORK_READ,
    "POST /v1/routing/blocks": S.NETWORK_WRITE,
    "POST /v1/routing/blocks/{block_id}/lift": S.NETWORK_WRITE,
    "POST /v1/routing/waves": S.NETWORK_WRITE,
    # routing rules and rule sets (drafting vs putting live)
    "GET /v1/routing/rules": S.RULES_READ,
    "GET /v1/routing/rules/export": S.RULES_READ,
    "POST /v1/routing/rules/import": S.RULES_APPROVE,
    "POST /v1/routing/rules/from-text": S.RULES_DRAFT,
    "GET /v1/routing/rules/phrases": S.RULES_READ,
    "GET /v1/routing/rules/{code}": S.RULES_READ,
    "PUT /v1/routing/rules/{code}": S.RULES_APPROVE,
    "POST /v1/routing/rules/{code}/enabled": S.RULES_APPROVE,
    "GET /v1/routing/rules/{code}/history": S.RULES_READ,
    "POST /v1/rules/sets": S.RULES_DRAFT,
    "GET /v1/rules/sets": S.RULES_READ,
    "GET /v1/rules/sets/{set_id}": S.RULES_READ,
    "POST /v1/rules/sets/{set_id}/simulate": S.RULES_DRAFT,
    "POST /v1/rules/sets/{set_id}/canary": S.RULES_DRAFT,
    "GET /v1/rules/sets/{set_id}/compare": S.RULES_READ,
    "POST /v1/rules/sets/{set_id}/activate": S.RULES_APPROVE,
    "POST /v1/rules/sets/{set_id}/rollback": S.RULES_APPROVE,
    # compliance packs: drafting their rules (activate: true also needs rules:approve)
    "GET /v1/compliance/packs": S.RULES_READ,
    "GET /v1/compliance/packs/{country}": S.RULES_READ,
    "POST /v1/compliance/packs/{country}/enable": S.RULES_DRAFT,
    "POST /v1/compliance/packs/{country}/disable": S.RULES_DRAFT,
    "POST /v1/compliance/packs/{country}/overrides": S.RULES_DRAFT,
    # audit
    "GET /v1/audit": S.AUDIT_READ,
    "GET /v1/audit/verify": S.AUDIT_READ,
    "GET /v1/audit/checkpoints": S.AUDIT_READ,
    # events: the catalogue is documentation; the backbone is shared by all tenants
    "GET /v1/events/catalog": AUTHENTICATED,
    "GET /v1/events/status": S.BACKBONE_MANAGE,
    "GET /v1/events/parked": S.BACKBONE_MANAGE,
    "POST /v1/events/replay": S.BACKBONE_MANAGE,
    # webhooks
    "POST /v1/webhooks": S.WEBHOOKS_WRITE,
    "GET /v1/webhooks": S.WEBHOOKS_READ,
    "GET /v1/webhooks/dead-letters": S.WEBHOOKS_READ,
    "GET /v1/webhooks/deliveries/{delivery_id}": S.WEBHOOKS_READ,
    "POST /v1/webhooks/deliveries/{delivery_id}/replay": S.WEBHOOKS_WRITE,
    "GET /v1/webhooks/{endpoint_id}": S.WEBHOOKS_READ,
    "PATCH /v1/webhooks/{endpoint_id}": S.WEBHOOKS_WRITE,
    "DELETE /v1/webhooks/{endpoint_id}": S.WEBHOOKS_WRITE,
    "POST /v1/webhooks/{endpoint_id}/rotate-secret": S.WEBHOOKS_WRITE,
    "GET /v1/webhooks/{endpoint_id}/deliveries": S.WEBHOOKS_READ,
    "POST /v1/webhooks/{endpoint_id}/replay-dead": S.WEBHOOKS_WRITE,
    # access: who am I, keys, users, sessions, tenants
    "GET /v1/access/whoami": AUTHENTICATED,
    "GET /v1/access/roles": AUTHENTICATED,
    "POST /v1/access/keys": S.ACCESS_MANAGE,
    "GET /v1/access/keys": S.ACCESS_MANAGE,
    "POST /v1/access/keys/{key_id}/rotate": S.ACCESS_MANAGE,
    "POST /v1/access/keys/{key_id}/revoke": S.ACCESS_MANAGE,
    "POST /v1/access/users": S.ACCESS_MANAGE,
    "GET /v1/access/users": S.ACCESS_MANAGE,
    "PATCH /v1/access/users/{user_id}": S.ACCESS_MANAGE,
    "POST /v1/sessions": PUBLIC,
    "DELETE /v1/sessions/current": AUTHENTICATED,
    "POST /v1/tenants": S.TENANTS_MANAGE,
    "GET /v1/tenants": S.TENANTS_MANAGE,
    # Order-as-a-Service
    "GET /v1/usage": S.USAGE_READ,
    "GET /v1/usage/statement": S.USAGE_READ,
    "GET /v1/services": AUTHENTICATED,
    # the order twin's late-delivery risk models (training one changes what is scored)
    "GET /v1/risk/models": S.EXCEPTIONS_READ,
    "POST /v1/risk/models/train": S.EXCEPTIONS_APPROVE,
    # the exception desk (issue 14): read the queue, act (apply or propose), approve
    "GET /v1/exceptions": S.EXCEPTIONS_READ,
    "GET /v1/exceptions/policy": S.EXCEPTIONS_READ,
    "PUT /v1/exceptions/policy": S.EXCEPTIONS_APPROVE,
    "GET /v1/exceptions/{exception_id}": S.EXCEPTIONS_READ,
    "POST /v1/exceptions/{exception_id}/remedies/refresh": S.EXCEPTIONS_ACT,
    "POST /v1/exceptions/{exception_id}/remedies/{n}/apply": S.EXCEPTIONS_ACT,
    "POST /v1/exceptions/{exception_id}/remedies/{n}/approve": S.EXCEPTIONS_APPROVE,
    "POST /v1/exceptions/{exception_id}/remedies/{n}/reject": S.EXCEPTIONS_APPROVE,
    "GET /v1/substitutions": S.CATALOG_READ,
    "PUT /v1/substitutions/{sku}/{substitute}": S.CATALOG_WRITE,
    "DELETE /v1/substitutions/{sku}/{substitute}": S.CATALOG_WRITE,
    # compensation sagas: the exception desk lists them and retries those needing a human
    "GET /v1/sagas": S.EXCEPTIONS_READ,
    "GET /v1/sagas/{saga_id}": S.EXCEPTIONS_READ,
    "POST /v1/sagas/{saga_id}/retry": S.EXCEPTIONS_ACT,
    # demand forecasts (issue 18): read them and their model tables; fit, import history
    "GET /v1/forecasts": S.FORECASTS_READ,
    "GET /v1/forecasts/runs": S.FORECASTS_READ,
    "GET /v1/forecasts/models": S.FORECASTS_READ,
    "POST /v1/forecasts/fit": S.FORECASTS_WRITE,
    "POST /v1/forecasts/history": S.FORECASTS_WRITE,
    "POST /v1/forecasts/drift": S.FORECASTS_WRITE,
    # the buyer's tracking page (issue 19): links, their keys, customer service's lookup
    # a link shows the order to whoever holds it (masked): an act on the order, not a read
    "POST /v1/orders/{order_id}/tracking-link": S.ORDERS_MANAGE,
    "POST /v1/orders/{order_id}/tracking-link/revoke": S.ORDERS_MANAGE,
    "POST /v1/tracking-links/rotate": S.ACCESS_MANAGE,
    "GET /v1/service/orders": S.ORDERS_READ,
    "GET /v1/service/orders/{order_id}": S.ORDERS_READ,
    "GET /v1/service-scripts": S.CATALOG_READ,
    "PUT /v1/service-scripts": S.CATALOG_WRITE,
    "DELETE /v1/service-scripts": S.CATALOG_WRITE,
    # shipping documents (issue 19 part 4): printing shows the full receiver (audited)
    "GET /v1/shipments/{shipment_id}/label": S.LABELS_READ,
    "GET /v1/orders/{order_id}/packing-list": S.LABELS_READ,
    "GET /v1/shipments/{shipment_id}/documents": S.LABELS_READ,
    "POST /v1/labels/wave": S.LABELS_READ,
    "GET /v1/labels/layouts": S.LABELS_READ,
    "GET /v1/labels/layouts/{carrier}": S.LABELS_READ,
    "PUT /v1/labels/layouts/{carrier}": S.LABELS_WRITE,
    "GET /v1/labels/layouts/{carrier}/versions": S.LABELS_READ,
    # reconciliation of channel settlements and carrier bills (issue 17)
    "POST /v1/reconciliation/imports": S.FINANCE_WRITE,
    "GET /v1/reconciliation/imports": S.FINANCE_READ,
    "POST /v1/reconciliation/runs": S.FINANCE_WRITE,
    "GET /v1/reconciliation/report": S.FINANCE_READ,
    "GET /v1/reconciliation/report/export": S.FINANCE_READ,
    "GET /v1/reconciliation/codes": S.FINANCE_READ,
    "POST /v1/reconciliation/periods/close": S.FINANCE_WRITE,
    # editing an order after placement (issue 17): quantities, lines, ship-to, date, service
    "PATCH /v1/orders/{order_id}": S.ORDERS_MANAGE,
    # pre-allocation (issue 18 item 3): read plans and transfers; plan, accept, move stock
    "POST /v1/preallocation/plans": S.PLANNING_WRITE,
    "GET /v1/preallocation/plans": S.PLANNING_READ,
    "GET /v1/preallocation/plans/{plan_id}": S.PLANNING_READ,
    "POST /v1/preallocation/plans/{plan_id}/accept": S.PLANNING_WRITE,
    "POST /v1/preallocation/plans/{plan_id}/reject": S.PLANNING_WRITE,
    "GET /v1/preallocation/transfers": S.PLANNING_READ,
    "GET /v1/preallocation/transfers/{transfer_id}": S.PLANNING_READ,
    "POST /v1/preallocation/transfers/{transfer_id}/{step}": S.PLANNING_WRITE,
    "GET /v1/preallocation/settings": S.PLANNING_READ,
    "PATCH /v1/preallocation/settings": S.PLANNING_WRITE,
    # returns (RMA, issue 17): request, receive and book waybills; a person's decision and
    # the policy are an approver's; the refund's completion is finance's (orders:bill)
    "POST /v1/orders/{order_id}/returns": S.RETURNS_WRITE,
    "GET /v1/orders/{order_id}/returns": S.RETURNS_READ,
    "GET /v1/returns": S.RETURNS_READ,
    "GET /v1/returns/stats": S.RETURNS_READ,
    "GET /v1/returns/returned-units": S.RETURNS_READ,
    "GET /v1/returns/policy": S.RETURNS_READ,
    "PUT /v1/returns/policy": S.RETURNS_APPROVE,
    "GET /v1/returns/{return_id}": S.RETURNS_READ,
    "POST /v1/returns/{return_id}/approve": S.RETURNS_APPROVE,
    "POST /v1/returns/{return_id}/reject": S.RETURNS_APPROVE,
    "POST /v1/returns/{return_id}/cancel": S.RETURNS_WRITE,
    "POST /v1/returns/{return_id}/waybill": S.RETURNS_WRITE,
    "POST /v1/returns/{return_id}/receive": S.RETURNS_WRITE,
    "POST /v1/returns/{return_id}/refund-complete": S.ORDERS_BILL,
    "POST /v1/channels/{channel}/returns": PUBLIC,  # its signature, or channels:ingest
    # partial fulfilment money (issue 17): the balance by line; units cancelled before release
    "GET /v1/orders/{order_id}/balance": S.ORDERS_READ,
    "POST /v1/orders/{order_id}/cancel-lines": S.ORDERS_MANAGE,
    # customer notifications (issue 19)
    "GET /v1/notification-templates": S.NOTIFICATIONS_READ,
    "PUT /v1/notification-templates": S.NOTIFICATIONS_WRITE,
    "DELETE /v1/notification-templates": S.NOTIFICATIONS_WRITE,
    "POST /v1/notification-templates/preview": S.NOTIFICATIONS_READ,
    "GET /v1/notification-templates/placeholders": S.NOTIFICATIONS_READ,
    "GET /v1/notification-settings": S.NOTIFICATIONS_READ,
    "PUT /v1/notification-settings": S.NOTIFICATIONS_WRITE,
    "GET /v1/customers/{ref}/notification-optouts": S.NOTIFICATIONS_READ,
    "POST /v1/customers/{ref}/notification-optouts": S.NOTIFICATIONS_WRITE,
    "DELETE /v1/customers/{ref}/notification-optouts/{medium}": S.NOTIFICATIONS_WRITE,
    "GET /v1/orders/{order_id}/notifications": S.NOTIFICATIONS_READ,
    "GET /v1/notifications/unsubscribe/{token}": PUBLIC,
    # approvals and alerts in chat apps (issue 19)
    "POST /v1/chat/channels": S.CHAT_WRITE,
    "GET /v1/chat/channels": S.CHAT_READ,
    "PATCH /v1/chat/channels/{channel_id}": S.CHAT_WRITE,
    "GET /v1/chat/users": S.CHAT_READ,
    "PUT /v1/chat/users/{app}/{chat_user_id}": S.CHAT_WRITE,
    "DELETE /v1/chat/users/{app}/{chat_user_id}": S.CHAT_WRITE,
    "GET /v1/chat/cards": S.CHAT_READ,
    "POST /v1/chat/{app}/callback": PUBLIC,  # the app's signature with the channel's secret
    "GET /v1/chat/{app}/callback": PUBLIC,  # WeCom's URL check, signed the same way
    # group-buy pools (issue 18 item 5): read with orders, closed by operations, the
    # pooling policy read and changed like other rules
    "GET /v1/pools": S.ORDERS_READ,
    "GET /v1/pools/policy": S.RULES_READ,
    "GET /v1/pools/policy/versions": S.RULES_READ,
    "PUT /v1/pools/policy": S.RULES_APPROVE,
    "POST /v1/pools/{pool_id}/close": S.ORDERS_MANAGE,
    "GET /v1/pools/{pool_id}": S.ORDERS_READ,
    # 3PL bidding (issue 18 item 4): a provider's bid is authenticated by its signature
    "POST /v1/bids/{offer_id}": PUBLIC,
    "GET /v1/bid-providers": S.BIDS_MANAGE,
    "POST /v1/bid-providers": S.BIDS_MANAGE,
    "POST /v1/bid-providers/{code}/secret": S.BIDS_MANAGE,
    "GET /v1/bid-policy": S.BIDS_MANAGE,
    "PUT /v1/bid-policy": S.BIDS_MANAGE,
    "GET /v1/bid-offers": S.ORDERS_READ,
    "GET /v1/orders/{order_id}/bidding": S.ORDERS_READ,
}

# Operations a credential bound to warehouses may also call with this scope instead, for
# its own warehouses' orders only (the check that the order is theirs is the same as for
# every warehouse-bound call): a logistics key of a warehouse refuses what it was sent.
WAREHOUSE_BOUND_SCOPES: dict[str, Scope] = {
    "POST /v1/orders/{order_id}/release-rejected": S.EXCEPTIONS_ACT,
}

# Paths answered before routing (documentation): never authenticated.
PUBLIC_PREFIXES = ("/docs", "/redoc", "/openapi.json", "/static-offline-docs")


def requirement(method: str, path: str) -> Requirement | None:
    """What an operation needs; None: not declared (refused)."""
    return OPERATION_SCOPES.get(f"{method} {path}")


def warehouse_bound_scope(method: str, path: str) -> Scope | None:
    """The other scope a warehouse-bound credential may call the operation with."""
    return WAREHOUSE_BOUND_SCOPES.get(f"{method} {path}")


def is_public(method: str, path: str) -> bool:
    return requirement(method, path) == PUBLIC


def scope_table() -> str:
    """docs/access.md's table: every operation, its scope, and the roles that may call it
    (`orderhub access scopes --markdown`; a test keeps the file equal to this)."""
    from orderhub.domain.access import ROLE_SCOPES, Role

    short = {Role.TENANT_ADMIN: "admin", Role.OPERATIONS: "ops", Role.RULES_AUTHOR: "author",
             Role.RULES_APPROVER: "approver", Role.INVENTORY: "inv", Role.LOGISTICS: "logi",
             Role.FINANCE: "fin", Role.ANALYST: "analyst", Role.CHANNEL_INTEGRATION: "channel",
             Role.CARRIER_INTEGRATION: "carrier", Role.PLATFORM_OPERATOR: "platform"}
    lines = ["| operation | scope | " + " | ".join(short[r] for r in Role) + " |",
             "|---|---|" + "---|" * len(Role)]
    for op, need in OPERATION_SCOPES.items():
        if need == PUBLIC:
            cells = ["public"] * len(Role)
        elif need == AUTHENTICATED:
            cells = ["yes"] * len(Role)
        else:
            cells = ["yes" if need in ROLE_SCOPES[r] else "" for r in Role]
        label = "(none: public)" if need == PUBLIC else (
            "(any credential)" if need == AUTHENTICATED else f"`{need}`")
        if (bound := WAREHOUSE_BOUND_SCOPES.get(op)) is not None:
            label += f" (or `{bound}` bound to the order's warehouse)"
        lines.append(f"| `{op}` | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
