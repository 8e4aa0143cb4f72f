"""One transaction per use case. Events recorded by aggregates (and by inventory use cases)
are written to the outbox inside that same transaction on `commit()`; nothing is written
unless `commit()` is called."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import NestedTransaction, RootTransaction
from sqlalchemy.exc import IntegrityError

from orderhub.adapters.anomaly_model import ModelStore
from orderhub.adapters.crypto.keyring import Keyring, PiiCipher
from orderhub.adapters.db.access_repository import AccessRepository
from orderhub.adapters.db.anomaly_repository import AnomalyRepository
from orderhub.adapters.db.audit_repository import AuditRepository
from orderhub.adapters.db.bidding_repository import BiddingRepository
from orderhub.adapters.db.catalog_repository import CatalogRepository
from orderhub.adapters.db.chat_repository import ChatRepository
from orderhub.adapters.db.compliance_pack_repository import CompliancePackRepository
from orderhub.adapters.db.cutover_repository import CutoverRepository
from orderhub.adapters.db.dashboard_repository import DashboardQueries
from orderhub.adapters.db.exception_repository import ExceptionRepository
from orderhub.adapters.db.forecast_repository import ForecastRepository
from orderhub.adapters.db.fx_repository import FxRepository
from orderhub.adapters.db.job_repository import JobRepository
from orderhub.adapters.db.label_repository import LabelRepository
from orderhub.adapters.db.money_repository import OrderMoneyRepository
from orderhub.adapters.db.network_repository import NetworkCache, NetworkRepository
from orderhub.adapters.db.notification_repository import NotificationRepository
from orderhub.adapters.db.order_repository import IdempotencyRepository, OrderRepository
from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.adapters.db.planning_repository import PlanningRepository
from orderhub.adapters.db.pool_repository import PoolRepository
from orderhub.adapters.db.reconciliation_repository import ReconciliationRepository
from orderhub.adapters.db.return_repository import ReturnRepository
from orderhub.adapters.db.risk_model_repository import RiskModelRepository
from orderhub.adapters.db.rule_repository import RuleRepository
from orderhub.adapters.db.rule_set_repository import RuleSetRepository
from orderhub.adapters.db.saga_repository import SagaRepository
from orderhub.adapters.db.sku_mapping_repository import SkuMappingRepository
from orderhub.adapters.db.stock_repository import StockRepository
from orderhub.adapters.db.tracking_link_repository import TrackingLinkRepository
from orderhub.adapters.db.tracking_repository import TrackingRepository
from orderhub.adapters.db.twin_repository import TwinRepository
from orderhub.adapters.db.usage_repository import UsageRepository
from orderhub.adapters.db.webhook_repository import WebhookRepository
from orderhub.domain.audit import AuditKey
from orderhub.domain.events import Event

T = TypeVar("T")


class UnitOfWork:
    orders: OrderRepository
    stock: StockRepository
    catalog: CatalogRepository
    outbox: OutboxRepository
    idempotency: IdempotencyRepository
    network: NetworkRepository
    rules: RuleRepository
    rule_sets: RuleSetRepository
    audit: AuditRepository
    sku_mappings: SkuMappingRepository
    webhooks: WebhookRepository
    access: AccessRepository
    pii: PiiCipher
    usage: UsageRepository
    twins: TwinRepository
    risk_models: RiskModelRepository
    tracking: TrackingRepository
    exceptions: ExceptionRepository
    anomaly: AnomalyRepository
    sagas: SagaRepository
    fx: FxRepository  # exchange rates and the base currency (domain/fx.py)
    dashboard: DashboardQueries  # the console dashboard's aggregate figures
    jobs: JobRepository  # background jobs' records (console bulk actions, imports...)
    cutover: CutoverRepository  # shadow records and legacy exports (channel cut-over)
    forecasts: ForecastRepository  # demand history, forecast runs and points
    tracking_links: TrackingLinkRepository  # the buyer's tracking page: link keys, scripts
    labels: LabelRepository  # label layouts and shipping-document records
    bidding: BiddingRepository  # 3PL bidding: providers, policy, offers, bids
    reconciliation: ReconciliationRepository  # settlement imports, runs, findings, periods
    planning: PlanningRepository  # pre-allocation settings, plans, transfer orders
    returns: ReturnRepository  # returns (RMA), received units, return policies
    money: OrderMoneyRepository  # the order money ledger (domain/order_ledger.py)
    notifications: NotificationRepository  # customer notifications: templates, messages, log
    compliance_packs: CompliancePackRepository  # packs switched on, their overrides
    chat: ChatRepository  # chat apps: channels, chat user -> hub user, cards
    pools: PoolRepository  # group-buy pools, their members and pooling policy
    conn: Connection

    def __init__(
        self,
        engine: Engine,
        *,
        keyring: Keyring,
        read_only: bool = False,
        on_commit: Callable[[int], None] | None = None,
        network_cache: NetworkCache | None = None,
        audit_key: AuditKey | None = None,
        anomaly_models: ModelStore | None = None,
    ) -> None:
        self.engine = engine
        self.audit_key = audit_key  # keys the audit chain (from outside the database)
        self.keyring = keyring  # personal data is written only as ciphertext (no opt-out)
        self.read_only = read_only
        self.on_commit = on_commit
        self.network_cache = network_cache
        self.anomaly_models = anomaly_models  # the trained anomaly model (outside the DB)
        self._tx: RootTransaction | None = None
        self._other_events: list[Event] = []

    def __enter__(self) -> Self:
        conn = self.engine.connect()
        if self.read_only and conn.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="DEFERRED")
        self.conn = conn
        self._tx = conn.begin()
        self.pii = self.keyring.session(conn)
        self.orders = OrderRepository(conn, self.pii)
        self.stock = StockRepository(conn)
        self.catalog = CatalogRepository(conn, self.pii)
        self.outbox = OutboxRepository(conn)
        self.idempotency = IdempotencyRepository(conn)
        self.network = NetworkRepository(conn, self.network_cache)
        self.rules = RuleRepository(conn)
        self.rule_sets = RuleSetRepository(conn)
        self.audit = AuditRepository(conn, self.audit_key)
        self.sku_mappings = SkuMappingRepository(conn)
        self.access = AccessRepository(conn)
        self.webhooks = WebhookRepository(conn, self.pii)
        self.usage = UsageRepository(conn)
        self.twins = TwinRepository(conn)
        self.risk_models = RiskModelRepository(conn)
        self.tracking = TrackingRepository(conn, self.pii)
        self.exceptions = ExceptionRepository(conn)
        self.anomaly = AnomalyRepository(conn, self.pii, self.anomaly_models)
        self.sagas = SagaRepository(conn)
        self.fx = FxRepository(conn)
        self.dashboard = DashboardQueries(conn)
        self.jobs = JobRepository(conn)
        self.cutover = CutoverRepository(conn)
        self.forecasts = ForecastRepository(conn)
        self.tracking_links = TrackingLinkRepository(conn, self.pii)
        self.labels = LabelRepository(conn)
        self.reconciliation = ReconciliationRepository(conn)
        self.planning = PlanningRepository(conn)
        self.returns = ReturnRepository(conn)
        self.money = OrderMoneyRepository(conn)
        self.notifications = NotificationRepository(conn, self.pii)
        self.compliance_packs = CompliancePackRepository(conn)
        self.chat = ChatRepository(conn, self.pii)
        self.pools = PoolRepository(conn)  # group-buy pools and their policy
        self.bidding = BiddingRepository(conn, self.pii)
        self._other_events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()

    def record(self, event: Event) -> None:
        """An event that belongs to no order aggregate (for example StockAdjusted)."""
        self._other_events.append(event)

    def savepoint(self) -> NestedTransaction:
        return self.conn.begin_nested()

    def flush(self, *, final: bool = False) -> int:
        """Write aggregates, stock movements and their events now, inside the transaction,
        so queries later in it see them (the commit flushes whatever follows; `final`:
        the commit's own flush, after which nothing more is saved)."""
        events: list[tuple[Event, int]] = self.orders.flush(final=final)
        events.extend((e, 0) for e in self._other_events)
        self._other_events = []
        self.stock.flush()
        count = self.outbox.append(events)
        self.anomaly.flush()  # the price summary's hot rows, locked as late as they can be
        self.audit.flush()  # the audit entries with the events they go with
        return count

    def commit(self) -> int:
        """Flush aggregates and the outbox, then commit; returns the number of events."""
        count = self.flush(final=True)
        assert self._tx is not None
        self._tx.commit()
        self._tx = None
        self.pii.committed()
        if self.on_commit is not None and count:
            self.on_commit(count)
        return count

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()
        self._tx = None


UowFactory = Callable[[], UnitOfWork]


def retry_unique_race(attempt: Callable[[], T]) -> T:
    """Run a use case; if it lost a unique-key race to a concurrent writer of the same
    record, run it once more: the second run finds the stored record and returns it."""
    try:
        return attempt()
    except IntegrityError:
        return attempt()
