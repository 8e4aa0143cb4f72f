"""Who may do what: scopes, the roles of an order hub as sets of scopes, and the principal a
request acts as. Pure: credentials are checked in services/access, scopes are required per
operation in api/scopes.py (the one table the OpenAPI document and the docs are made from).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub.domain.privacy import PiiView


class Scope(StrEnum):
    ORDERS_READ = "orders:read"  # orders, timelines, routing decisions, held lists
    ORDERS_WRITE = "orders:write"  # submit orders (API drafts, batches)
    ORDERS_MANAGE = "orders:manage"  # lifecycle steps, cancel, resume, holds, overrides, fixes
    ORDERS_BILL = "orders:bill"  # invoice and record payment (finance)
    CHANNELS_INGEST = "channels:ingest"  # a channel's own signed webhook
    CHANNELS_MANAGE = "channels:manage"  # shadow mode, legacy exports, promotion (cut-over)
    CROSSWALK_MANAGE = "crosswalk:manage"  # confirm channel SKU -> master SKU
    CATALOG_READ = "catalog:read"  # warehouses, SKUs, channels
    CATALOG_WRITE = "catalog:write"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"  # receipts, adjustments, safety stock
    NETWORK_READ = "network:read"  # routing network, carriers, blocks
    NETWORK_WRITE = "network:write"  # close sites, carrier states, lanes, blocks, waves
    RULES_READ = "rules:read"
    RULES_DRAFT = "rules:draft"  # draft rule sets, translate sentences, simulate, canary
    RULES_APPROVE = "rules:approve"  # activate, roll back, change live rules
    EVENTS_READ = "events:read"
    WEBHOOKS_READ = "webhooks:read"
    WEBHOOKS_WRITE = "webhooks:write"
    AUDIT_READ = "audit:read"
    EXCEPTIONS_READ = "exceptions:read"  # the order twin's alerts and the exception desk
    EXCEPTIONS_ACT = "exceptions:act"  # acknowledge alerts, propose and apply remedies
    EXCEPTIONS_APPROVE = "exceptions:approve"  # approve or reject remedies (L2 four-eyes, L3)
    SLA_WRITE = "sla:write"  # SLA policies and working calendars (read with rules:read)
    TRACKING_PUSH = "tracking:push"  # a carrier's tracking pushes (checkpoints)
    ACCESS_MANAGE = "access:manage"  # API keys and console users of the tenant
    USAGE_READ = "usage:read"  # metering and monthly statements
    METRICS_READ = "metrics:read"  # Prometheus metrics of the whole hub (platform)
    BACKBONE_MANAGE = "backbone:manage"  # the shared event backbone: status, parked, replay
    PII_FULL = "pii:full"  # personal data unmasked
    PII_MASKED = "pii:masked"  # personal data masked (see domain/privacy.py)
    TENANTS_MANAGE = "tenants:manage"  # platform: provision tenants, act for any tenant
    FORECASTS_READ = "forecasts:read"  # demand forecasts, runs, model tables, backtests
    FORECASTS_WRITE = "forecasts:write"  # fit forecasts, import demand history
    LABELS_READ = "labels:read"  # print and reprint labels and packing lists (full address)
    LABELS_WRITE = "labels:write"  # carriers' label layouts
    FINANCE_READ = "finance:read"  # reconciliation: imports, runs, reports, exports
    FINANCE_WRITE = "finance:write"  # import settlement files and bills, run, close periods
    PLANNING_READ = "planning:read"  # pre-allocation plans, transfer orders, settings
    PLANNING_WRITE = "planning:write"  # plan, accept, ship/receive transfers, settings
    RETURNS_READ = "returns:read"  # returns (RMA), return policy, return rates
    RETURNS_WRITE = "returns:write"  # request returns, book return waybills, receive goods
    RETURNS_APPROVE = "returns:approve"  # approve or reject returns, change the return policy
    NOTIFICATIONS_READ = "notifications:read"  # customer-notification templates, logs
    NOTIFICATIONS_WRITE = "notifications:write"  # templates, settings, customers' opt-outs
    CHAT_READ = "chat:read"  # chat channels (no secrets), chat user mappings, cards sent
    CHAT_WRITE = "chat:write"  # add chat channels with their secrets, map chat users
    BIDS_MANAGE = "bids:manage"  # 3PL bidding: providers, their secrets, the policy


S = Scope
_READ = {S.ORDERS_READ, S.CATALOG_READ, S.INVENTORY_READ, S.NETWORK_READ, S.RULES_READ,
         S.EVENTS_READ, S.WEBHOOKS_READ, S.AUDIT_READ, S.USAGE_READ, S.EXCEPTIONS_READ,
         S.FORECASTS_READ, S.PLANNING_READ, S.RETURNS_READ}
_PLATFORM_ONLY = {S.TENANTS_MANAGE, S.METRICS_READ, S.BACKBONE_MANAGE}
PLATFORM_SCOPES = frozenset(_PLATFORM_ONLY)
_TENANT_ALL = set(Scope) - _PLATFORM_ONLY  # pii:full and pii:masked: it may grant either


class Role(StrEnum):
    TENANT_ADMIN = "tenant_admin"
    OPERATIONS = "operations"
    RULES_AUTHOR = "rules_author"
    RULES_APPROVER = "rules_approver"
    INVENTORY = "inventory"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    ANALYST = "analyst"
    CHANNEL_INTEGRATION = "channel_integration"
    CARRIER_INTEGRATION = "carrier_integration"
    PLATFORM_OPERATOR = "platform_operator"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.TENANT_ADMIN: frozenset(_TENANT_ALL),
    Role.OPERATIONS: frozenset({
        S.ORDERS_READ, S.ORDERS_WRITE, S.ORDERS_MANAGE, S.ORDERS_BILL, S.CROSSWALK_MANAGE,
        S.CATALOG_READ,
        S.INVENTORY_READ, S.NETWORK_READ, S.NETWORK_WRITE, S.RULES_READ, S.EVENTS_READ,
        S.WEBHOOKS_READ, S.AUDIT_READ, S.PII_FULL, S.EXCEPTIONS_READ, S.EXCEPTIONS_ACT,
        S.EXCEPTIONS_APPROVE, S.FORECASTS_READ, S.FORECASTS_WRITE,
        S.LABELS_READ, S.LABELS_WRITE, S.PLANNING_READ, S.PLANNING_WRITE,
        S.RETURNS_READ, S.RETURNS_WRITE, S.RETURNS_APPROVE}),
    Role.RULES_AUTHOR: frozenset({
        S.RULES_READ, S.RULES_DRAFT, S.ORDERS_READ, S.CATALOG_READ, S.NETWORK_READ,
        S.INVENTORY_READ, S.AUDIT_READ, S.PII_MASKED}),
    Role.RULES_APPROVER: frozenset({
        S.RULES_READ, S.RULES_DRAFT, S.RULES_APPROVE, S.ORDERS_READ, S.CATALOG_READ,
        S.NETWORK_READ, S.INVENTORY_READ, S.AUDIT_READ, S.PII_MASKED, S.SLA_WRITE}),
    Role.INVENTORY: frozenset({
        S.INVENTORY_READ, S.INVENTORY_WRITE, S.CATALOG_READ, S.CATALOG_WRITE, S.ORDERS_READ,
        S.NETWORK_READ, S.FORECASTS_READ, S.FORECASTS_WRITE, S.PLANNING_READ,
        S.PLANNING_WRITE, S.RETURNS_READ, S.RETURNS_WRITE}),
    Role.LOGISTICS: frozenset({
        S.ORDERS_READ, S.CATALOG_READ, S.NETWORK_READ, S.NETWORK_WRITE, S.INVENTORY_READ,
        S.PII_MASKED, S.EXCEPTIONS_READ, S.EXCEPTIONS_ACT, S.LABELS_READ, S.LABELS_WRITE,
        S.PLANNING_READ, S.RETURNS_READ, S.RETURNS_WRITE}),
    Role.FINANCE: frozenset({S.ORDERS_READ, S.ORDERS_BILL, S.CATALOG_READ, S.AUDIT_READ,
                             S.USAGE_READ, S.EXCEPTIONS_READ, S.FINANCE_READ,
                             S.FINANCE_WRITE, S.RETURNS_READ}),
    Role.ANALYST: frozenset(_READ | {S.PII_MASKED}),
    Role.CHANNEL_INTEGRATION: frozenset({S.ORDERS_WRITE, S.CHANNELS_INGEST}),
    Role.CARRIER_INTEGRATION: frozenset({S.TRACKING_PUSH}),
    Role.PLATFORM_OPERATOR: frozenset((set(Scope) - {S.PII_FULL}) | {S.TENANTS_MANAGE}),
}

# Customer notifications (issue 19): operations run them (customer service), analysts and
# logistics read their delivery logs.
ROLE_SCOPES[Role.OPERATIONS] |= {S.NOTIFICATIONS_READ, S.NOTIFICATIONS_WRITE}
ROLE_SCOPES[Role.ANALYST] |= {S.NOTIFICATIONS_READ}
ROLE_SCOPES[Role.LOGISTICS] |= {S.NOTIFICATIONS_READ}
# Approvals and alerts in chat apps (issue 19): operations see the channels and cards; the
# tenant's administrator (every tenant scope) adds channels and maps chat users.
ROLE_SCOPES[Role.OPERATIONS] |= {S.CHAT_READ}
# 3PL bidding (issue 18 item 4): operations and logistics manage providers and the policy.
ROLE_SCOPES[Role.OPERATIONS] |= {S.BIDS_MANAGE}
ROLE_SCOPES[Role.LOGISTICS] |= {S.BIDS_MANAGE}


def parse_scopes(names: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """Scope names to scopes; unknown names raise ValueError naming them."""
    unknown = [n for n in names if n not in Scope._value2member_map_]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: "
                         f"{', '.join(s.value for s in Scope)}")
    return frozenset(Scope(n) for n in names)


def effective_scopes(role: Role | None, scopes: frozenset[Scope] | None) -> frozenset[Scope]:
    """A role gives its scopes; listed scopes narrow a role (or stand alone without one)."""
    if role is None:
        return scopes or frozenset()
    base = ROLE_SCOPES[role]
    return base & scopes if scopes else base


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: one tenant, one credential, its scopes."""

    tenant_id: str
    credential_id: str  # the key's or session's id: metering and rate limits count by it
    kind: str  # "key" | "user"
    name: str  # the key's name or the user's login
    role: Role | None
    scopes: frozenset[Scope]
    warehouses: frozenset[str] = frozenset()  # logistics: only orders shipped from these

    @property
    def actor(self) -> str:
        """The name on timelines, audit entries and events."""
        return f"{self.kind}:{self.name}"

    @property
    def platform(self) -> bool:
        return bool(_PLATFORM_ONLY & self.scopes)

    @property
    def pii(self) -> PiiView:
        if Scope.PII_FULL in self.scopes:
            return PiiView.FULL
        if Scope.PII_MASKED in self.scopes:
            return PiiView.MASKED
        return PiiView.NONE

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes


@dataclass(frozen=True, slots=True)
class Credential:
    """An API key or a console session as stored (its secret only as a hash)."""

    id: str
    tenant_id: str  # "*" for platform operators
    kind: str  # "key" | "session"
    name: str
    role: Role | None
    scopes: frozenset[Scope]  # listed scopes; see effective_scopes
    warehouses: frozenset[str]
    secret_hash: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    replaced_by: str | None = None
    user_id: str | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def principal(self, tenant_id: str) -> Principal:
        return Principal(tenant_id, self.id, "user" if self.kind == "session" else "key",
                         self.name, self.role, effective_scopes(self.role, self.scopes or None),
                         self.warehouses)


@dataclass(frozen=True, slots=True)
class User:
    """A person who signs in to the console (and so gets a session credential)."""

    id: str
    tenant_id: str
    login: str
    display_name: str
    role: Role | None
    scopes: frozenset[Scope]
    warehouses: frozenset[str]
    password_hash: str
    created_at: datetime
    created_by: str
    disabled_at: datetime | None = None
    last_login_at: datetime | None = None


PLATFORM_TENANT = "*"
