"""The composition root: builds the engine, units of work, bus, relay, consumers and
strategy once, from settings. Tests call `bootstrap` with their own settings and clock."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from orderhub.adapters.anomaly_model import ModelStore
from orderhub.adapters.bus.in_process import InProcessBus
from orderhub.adapters.bus.nats_jetstream import JetStreamSource, NatsClient, NatsJetStreamSink
from orderhub.adapters.crypto import CryptoError, Keyring, load_local_master
from orderhub.adapters.db.engine import make_engine
from orderhub.adapters.db.network_repository import NetworkCache
from orderhub.adapters.ratelimit import InProcessLimiter, RateLimiter, make_limiter
from orderhub.adapters.secrets import SecretError
from orderhub.config import Settings, get_settings
from orderhub.domain.allocation import AllocationStrategy, NearestWarehouseStrategy
from orderhub.domain.audit import AuditKey
from orderhub.services.events.consumers import (
    BatchHandler,
    DurableConsumer,
    EmbeddedLogSource,
    EventSource,
)
from orderhub.services.events.relay import OutboxRelay
from orderhub.services.events.webhooks.dispatcher import WebhookDispatcher
from orderhub.services.metering import UsageMeter
from orderhub.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from orderhub.adapters.bidding.simulated import SimulatedProviders
    from orderhub.adapters.notify.senders import Sender
    from orderhub.services.access.authentication import Authenticator
    from orderhub.services.bidding.auctions import BidRequestSender
    from orderhub.services.intake.group_commit import GroupCommitter
    from orderhub.services.jobs import Job, Scheduler
    from orderhub.services.network.waybills import WaybillDesk
    from orderhub.services.notifications.dispatcher import NotificationDispatcher
    from orderhub.services.notifications.enqueue import Links
    from orderhub.services.returns.desk import ReturnDesk
    from orderhub.services.sagas.runner import Compensator


log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    bus: InProcessBus
    relay: OutboxRelay
    strategy: AllocationStrategy
    keyring: Keyring
    network_cache: NetworkCache = field(default_factory=NetworkCache)
    clock: Callable[[], datetime] = utc_now
    nats: NatsClient | None = None
    webhooks: WebhookDispatcher | None = None
    _waybills: WaybillDesk | None = field(default=None, repr=False)
    _authenticator: Authenticator | None = field(default=None, repr=False)
    consumers: list[DurableConsumer] = field(default_factory=list)
    background: list[Callable[[], None]] = field(default_factory=list, repr=False)
    # Rate limits (in-process, or Redis shared by every API process) and the usage meter
    # the API counts into, flushed by the usage-flush job and at close.
    limiter: RateLimiter = field(default_factory=InProcessLimiter)
    meter: UsageMeter = field(default_factory=UsageMeter)
    _scheduler: Scheduler | None = field(default=None, repr=False)
    _usage_scheduler: Scheduler | None = field(default=None, repr=False)
    _alert_scheduler: Scheduler | None = field(default=None, repr=False)
    _started: bool = field(default=False, repr=False)
    _audit_key: AuditKey | None = field(default=None, repr=False)
    _twin: DurableConsumer | None = field(default=None, repr=False)
    _anomaly_models: ModelStore | None = field(default=None, repr=False)
    _committer: GroupCommitter | None = field(default=None, repr=False)
    _notifier: NotificationDispatcher | None = field(default=None, repr=False)
    _chat: NotificationDispatcher | None = field(default=None, repr=False)
    # Where the bid-auctions job sends bid requests (None: HTTP, built on first use).
    bid_requests: BidRequestSender | None = field(default=None, repr=False)

    @property
    def audit_key(self) -> AuditKey:
        """The audit chain's key, from the setting or `<key_dir>/audit.key` (never the DB)."""
        if self._audit_key is None:
            self._audit_key = load_audit_key(self.settings)
        return self._audit_key

    @property
    def anomaly_models(self) -> ModelStore:
        """The trained anomaly models: `<key_dir>/anomaly-models/` (adapters/anomaly_model)."""
        if self._anomaly_models is None:
            self._anomaly_models = ModelStore(Path(self.settings.key_dir) / "anomaly-models")
        return self._anomaly_models

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, keyring=self.keyring, on_commit=self.relay.notify,
                          network_cache=self.network_cache, audit_key=self.audit_key,
                          anomaly_models=self.anomaly_models)

    def read_uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine, keyring=self.keyring, read_only=True,
                          network_cache=self.network_cache, audit_key=self.audit_key,
                          anomaly_models=self.anomaly_models)

    @property
    def intake_committer(self) -> GroupCommitter | None:
        """Group commit for single orders (None when `intake_group_commit` is off)."""
        if self._committer is None and self.settings.intake_group_commit:
            from orderhub.services.intake.group_commit import GroupCommitter

            s = self.settings
            self._committer = GroupCommitter(
                self.uow, strategy=lambda: self.strategy, presale_lock=lambda: self.presale_lock,
                clock=self.clock, max_wait=s.intake_group_wait_ms / 1000,
                max_orders=s.intake_group_max,
                committers=s.intake_group_committers or (
                    1 if self.engine.dialect.name == "sqlite" else 4))
        return self._committer

    @property
    def presale_lock(self) -> timedelta:
        return timedelta(minutes=self.settings.presale_lock_minutes)

    @property
    def authenticator(self) -> Authenticator:
        """Bearer tokens to principals, with a short cache (services/access)."""
        if self._authenticator is None:
            from orderhub.services.access.authentication import Authenticator

            self._authenticator = Authenticator(self.uow, self.clock,
                                                default_tenant=self.settings.default_tenant)
        return self._authenticator

    @property
    def waybills(self) -> WaybillDesk:
        """Books waybills with the carriers at release, behind circuit breakers."""
        if self._waybills is None:
            from orderhub.adapters.carriers.http import HttpCarrierGateway
            from orderhub.adapters.carriers.simulated import LocalWaybills
            from orderhub.services.network.waybills import WaybillDesk

            s = self.settings
            gateway = HttpCarrierGateway(s.carrier_endpoints, LocalWaybills(),
                                         timeout=s.carrier_timeout_seconds)
            self._waybills = WaybillDesk(gateway, self.uow, self.strategy, self.clock,
                                         self.presale_lock,
                                         failures=s.carrier_breaker_failures,
                                         reset_seconds=s.carrier_breaker_reset_seconds)
            self.background.append(gateway.close)
        return self._waybills

    @property
    def returns(self) -> ReturnDesk:
        """Returns (RMA): requests, approval, return waybills, receipts and refunds."""
        from orderhub.services.returns.desk import ReturnDesk

        return ReturnDesk(self.uow, self.strategy, self.presale_lock, self.waybills.gateway,
                          self.clock)

    @property
    def compensator(self) -> Compensator:
        """What compensation sagas run with (the waybill desk's carriers, for voids)."""
        return self.waybills.compensator()

    def event_source(
        self, name: str, types: Sequence[str] | None = None, *, start: str = "latest"
    ) -> EventSource:
        """Where a durable consumer reads: JetStream when NATS is configured, otherwise the
        embedded outbox log (woken by the relay after each publication)."""
        if self.nats is not None:
            return JetStreamSource(self.nats, name, types, start=start)
        source = EmbeddedLogSource(self.engine, name, types, start=start)
        self.relay.on_published(source.wake)
        return source

    def consumer(
        self,
        name: str,
        handler: BatchHandler,
        types: Sequence[str] | None = None,
        *,
        start: str = "latest",
    ) -> DurableConsumer:
        c = DurableConsumer(
            name,
            handler,
            self.event_source(name, types, start=start),
            self.engine,
            max_attempts=self.settings.consumer_max_attempts,
        )
        self.consumers.append(c)
        return c

    def enable_webhooks(self) -> WebhookDispatcher:
        """The webhook fan-out (an internal durable consumer that queues deliveries) and the
        dispatcher that sends them with retries."""
        if self.webhooks is None:
            from orderhub.adapters.webhooks.sender import WebhookSender
            from orderhub.services.events.webhooks.fanout import enqueue_handler

            dispatcher = WebhookDispatcher(
                self.uow, self.settings, self.clock, WebhookSender(self.settings)
            )
            self.consumer(
                "webhooks",
                enqueue_handler(self.uow, self.clock, on_enqueued=dispatcher.notify),
            )
            self.webhooks = dispatcher
        return self.webhooks

    def enable_twin(self) -> DurableConsumer:
        """The `twin` consumer: each order's twin and its alerts, kept from the event
        stream (from the start of the log, so orders older than the consumer have one)."""
        if self._twin is None:
            from orderhub.services.twin.projection import consumer_handler

            self._twin = self.consumer("twin", consumer_handler(self.uow, self.clock),
                                       start="earliest")
        return self._twin

    def enable_labels(self) -> DurableConsumer:
        """The `labels` consumer: a released order's shipping documents (labels, packing
        lists) produced after the release commits (services/labels/documents.py); from
        the start of the log, so no release is missed before its first run (orders already
        delivered, paid or cancelled are skipped)."""
        for c in self.consumers:
            if c.name == "labels":
                return c
        from orderhub.services.labels.documents import consumer_handler as labels_handler

        return self.consumer("labels", labels_handler(self.uow, self.clock),
                             ["OrderReleasedToWarehouse"], start="earliest")
    @property
    def notification_links(self) -> Links:
        from orderhub.services.notifications.enqueue import Links

        return Links(self.settings.notify_public_url, self.settings.notify_tracking_url)

    def enable_notifications(
        self, senders: dict[str, Sender] | None = None
    ) -> NotificationDispatcher:
        """Customer notifications: the `notifications` durable consumer (events ->
        messages) and the dispatcher that sends them with retries (services/notifications).
        `senders` replaces the providers the settings name (tests, benchmarks)."""
        if self._notifier is None:
            from orderhub.domain.notifications import CONSUMED_TYPES
            from orderhub.services.notifications.dispatcher import NotificationDispatcher
            from orderhub.services.notifications.enqueue import enqueue_handler

            s = self.settings
            notifier = NotificationDispatcher(
                self.uow, senders if senders is not None else make_notification_senders(s),
                self.clock, links=self.notification_links,
                max_attempts=s.notify_max_attempts, backoff_seconds=s.notify_backoff_seconds,
                backoff_cap_seconds=s.notify_backoff_cap_seconds)
            self.consumer("notifications",
                          enqueue_handler(self.uow, self.clock, self.notification_links,
                                          on_enqueued=notifier.notify),
                          CONSUMED_TYPES)
            self.background.append(notifier.close)
            self._notifier = notifier
        return self._notifier

    def enable_chat(self, transport: Any = None) -> NotificationDispatcher:
        """Approvals and alerts in chat apps: the `chat` durable consumer (the desk's and
        the twin's events -> cards) and a notification dispatcher over `uow.chat` that sends
        them (lease, back-off, dead letter). `transport` (an httpx transport, e.g.
        adapters/chat/simulator.ChatSimulator) replaces the network (tests, the demo)."""
        if self._chat is None:
            from orderhub.adapters.chat.registry import APPS
            from orderhub.adapters.chat.sender import ChatSender
            from orderhub.domain.chat import CONSUMED_TYPES as CHAT_TYPES
            from orderhub.services.chat.cards import enqueue_handler as chat_handler
            from orderhub.services.notifications.dispatcher import NotificationDispatcher

            s = self.settings
            dispatcher = NotificationDispatcher(
                self.uow, {name: ChatSender(
                    a, timeout=s.notify_timeout_seconds, clock=self.clock,
                    transport=transport,
                    public_only=transport is None and not s.webhook_allow_private_targets)
                    for name, a in APPS.items()},
                self.clock, max_attempts=s.notify_max_attempts,
                backoff_seconds=s.notify_backoff_seconds,
                backoff_cap_seconds=s.notify_backoff_cap_seconds,
                store=lambda uow: uow.chat)
            self.consumer("chat", chat_handler(self.uow, self.clock,
                                               console_url=s.notify_public_url,
                                               on_enqueued=dispatcher.notify), CHAT_TYPES)
            self.background.append(dispatcher.close)
            self._chat = dispatcher
        return self._chat

    def simulated_bidders(self) -> SimulatedProviders:
        """The simulated provider set (demo, tests): bid requests go to it from now on,
        and its bids come back through the bid API's own verify-and-submit path."""
        from orderhub.adapters.bidding.simulated import SimulatedProviders
        from orderhub.services.bidding import auctions

        def secret_of(tenant: str, code: str) -> str | None:
            with self.read_uow() as uow:
                return uow.bidding.secret(tenant, code)

        def deliver(tenant: str, code: str, offer_id: str, headers: dict[str, str],
                    body: bytes) -> object:
            now = self.clock()
            try:
                auctions.verify(self.read_uow, tenant, code, headers, body, now)
            except auctions.BidSignatureError as exc:
                log.warning("simulated bid of %s refused: %s", code, exc)
                return None
            return auctions.submit(self.uow, tenant, code, offer_id, body, now)

        sim = SimulatedProviders(secret_of, deliver, clock=self.clock)
        self.background.append(sim.close)
        self.bid_requests = sim
        return sim

    def bid_sender(self) -> BidRequestSender:
        """Where bid requests go: set `self.bid_requests` (the simulated providers of the
        demo and tests); otherwise signed HTTP posts to the providers' endpoints, built on
        first use."""
        if self.bid_requests is None:
            from orderhub.adapters.bidding.http import HttpBidRequests
            from orderhub.adapters.webhooks.sender import WebhookSender

            sender = HttpBidRequests(WebhookSender(self.settings))
            self.background.append(sender.close)
            self.bid_requests = sender
        return self.bid_requests

    def periodic_jobs(self) -> list[Job]:
        """The named jobs a server or worker runs on a timer (see services/jobs.py)."""
        from orderhub.services import jobs

        s = self.settings
        return [
            jobs.reservation_expiry(self.uow, s.expiry_sweep_seconds),
            jobs.carrier_probe(lambda: self._waybills, s.expiry_sweep_seconds),
            jobs.inbox_pruning(self.engine, timedelta(days=s.inbox_retention_days),
                               first_after_seconds=s.expiry_sweep_seconds),
            jobs.audit_checkpoints(self.uow, s.key_dir,
                                   first_after_seconds=s.expiry_sweep_seconds),
            jobs.usage_flush(self.uow, self.meter),
            jobs.twin_alerts(self.uow, s.twin_sweep_seconds),
            jobs.tracking_match(self.uow),
            jobs.exception_sync(self.uow, s.expiry_sweep_seconds),
            jobs.alert_desk(self.uow),
            jobs.twin_rescore(self.uow),
            jobs.anomaly_pruning(self.uow, first_after_seconds=s.expiry_sweep_seconds),
            jobs.saga_resume(lambda: self.compensator, s.expiry_sweep_seconds),
            jobs.proposal_expiry(self.uow, s.expiry_sweep_seconds),
            jobs.pool_close(self.uow, self.presale_lock),
            jobs.bid_auctions(self.uow, self.bid_sender),
        ]

    def start_background(self, *, relay: bool = True) -> None:
        """Relay, durable consumers, webhook dispatcher and periodic jobs, for servers."""
        if self._started:
            return
        self._started = True
        settle_heap()
        if relay:
            self.relay.start()
        self.enable_webhooks()
        self.enable_twin()
        self.enable_labels()
        notifier = self.enable_notifications()
        chat = self.enable_chat()
        for c in self.consumers:
            c.start()
        if self.webhooks is not None:
            self.webhooks.start()
        notifier.start()
        chat.start()
        from orderhub.services.jobs import Scheduler

        # The alert sweep runs on a thread of its own: the other jobs (pricing remedies,
        # signing checkpoints) never delay a stalled-step alert.
        every = self.periodic_jobs()
        self._scheduler = Scheduler([j for j in every if j.name != "twin-alerts"], self.clock)
        self._alert_scheduler = Scheduler([j for j in every if j.name == "twin-alerts"],
                                          self.clock)
        self._scheduler.start()
        self._alert_scheduler.start()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start_usage_flush(self) -> None:
        """The API meters calls whether or not it runs the background work
        (`serve --no-background`): on the first metered call this starts the usage-flush
        job on its own timer, unless the background scheduler already runs it."""
        if self._started or self._usage_scheduler is not None:
            return
        from orderhub.services import jobs

        self._usage_scheduler = jobs.Scheduler([jobs.usage_flush(self.uow, self.meter)],
                                               self.clock)
        self._usage_scheduler.start()

    def close(self) -> None:
        if self._committer is not None:
            self._committer.stop()
            self._committer = None
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._alert_scheduler is not None:
            self._alert_scheduler.stop()
        if self._usage_scheduler is not None:
            self._usage_scheduler.stop()
            self._usage_scheduler = None
        for c in self.consumers:
            c.stop()
        for stop in self.background:
            stop()
        if self.webhooks is not None:
            self.webhooks.close()
        self.relay.stop()
        if self.nats is not None:
            self.nats.close()
        self.flush_usage()
        self.limiter.close()
        self.engine.dispose()

    def flush_usage(self) -> int:
        """Write the metered counts now (at close, and before a usage read); a failure is
        logged and the counts stay for the next flush."""
        from orderhub.services.metering import flush

        if not len(self.meter):
            return 0
        try:
            return flush(self.uow, self.meter)
        except Exception:
            log.exception("usage counts could not be written; kept for the next flush")
            return 0


def make_notification_senders(settings: Settings) -> dict[str, Sender]:
    """The provider of each notification medium, as the settings name it."""
    from orderhub.adapters.notify.senders import (
        SimulatorSender,
        SmtpSender,
        WebhookProviderSender,
    )

    s = settings
    out: dict[str, Sender] = {}
    for medium, provider in (("email", s.notify_email_provider),
                             ("sms", s.notify_sms_provider),
                             ("wechat", s.notify_wechat_provider)):
        if provider == "smtp" and medium == "email":
            out[medium] = SmtpSender(s.notify_smtp_host, s.notify_smtp_port, s.notify_smtp_from,
                                     starttls=s.notify_smtp_starttls,
                                     username=s.notify_smtp_username,
                                     password=s.notify_smtp_password,
                                     timeout=s.notify_timeout_seconds)
        elif provider == "webhook" and s.notify_webhook_url:
            out[medium] = WebhookProviderSender(s.notify_webhook_url, s.notify_webhook_secret,
                                                timeout=s.notify_timeout_seconds)
        elif provider == "simulator":
            out[medium] = SimulatorSender(medium)
        else:
            raise ValueError(f"notification provider '{provider}' for {medium}: smtp (email), "
                             "webhook (with ORDERHUB_NOTIFY_WEBHOOK_URL) or simulator")
    return out


def load_audit_key(settings: Settings) -> AuditKey:
    from orderhub.adapters.secrets import load_secret

    return AuditKey(load_secret(settings.audit_key, settings.key_dir, "audit"))


def make_strategy(name: str, settings: Settings | None = None,
                  network_cache: NetworkCache | None = None) -> AllocationStrategy:
    """The allocation strategy by name; `network_cache` is what its `refresh()` clears."""
    if name == "routing":
        from orderhub.domain.routing.network import CostWeights
        from orderhub.domain.routing.strategy import RoutingStrategy

        s = settings or Settings()
        weights = CostWeights(s.routing_split_penalty, s.routing_late_penalty_per_day,
                              s.routing_max_shipments)
        return RoutingStrategy(weights,
                               refresh=network_cache.invalidate if network_cache else None)
    if name != "nearest":
        raise ValueError(f"unknown ORDERHUB_ALLOCATION_STRATEGY '{name}': nearest or routing")
    return NearestWarehouseStrategy()


def load_keyring(settings: Settings, engine: Engine) -> Keyring:
    """The master key (SecretError when missing or malformed) and a check that it opens the
    data keys already stored (SecretError naming both key ids when it does not): there is no
    plaintext mode to fall back to."""
    keyring = Keyring(load_local_master(settings.master_key, settings.key_dir))
    try:
        keyring.verify(engine)
    except CryptoError as exc:
        raise SecretError(f"wrong master key: {exc}") from None
    return keyring



# The cyclic collector's thresholds in long-running processes (`settle_heap`). CPython's
# default starts a young collection every 700 net container allocations; batch intake
# allocates tens of thousands a batch (orders, lines, events, rows), nearly all freed by
# reference counting, and the collections cost it 10-13% of its CPU (issue 13,
# benchmarks/README.md). Every 50,000 it is about 0.5%; unreachable cycles wait a little
# longer (a few MB at most), and the older generations keep their ratios.
GC_THRESHOLDS = (50_000, 10, 10)


def settle_heap() -> None:
    """For a long-running process after start-up (servers, workers): collect once, move
    what start-up built out of the collector's way (`gc.freeze`), and collect young
    objects less often (`GC_THRESHOLDS`)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def bootstrap(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    strategy: AllocationStrategy | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Hub:
    settings = settings or get_settings()
    engine = make_engine(database_url or settings.database_url)
    try:
        keyring = load_keyring(settings, engine)
    except SecretError:
        engine.dispose()
        raise
    bus = InProcessBus()
    nats = None
    sinks = []
    if settings.nats_url:
        nats = NatsClient(
            settings.nats_url,
            stream=settings.nats_stream,
            prefix=settings.nats_subject_prefix,
            timeout=settings.nats_timeout_seconds,
        )
        sinks.append(NatsJetStreamSink(nats))
    relay = OutboxRelay(engine, bus, sinks=sinks, batch_size=settings.relay_batch_size, clock=clock)
    cache = NetworkCache(ttl=settings.routing_cache_seconds)
    return Hub(
        settings=settings,
        engine=engine,
        bus=bus,
        relay=relay,
        strategy=strategy or make_strategy(settings.allocation_strategy, settings, cache),
        keyring=keyring,
        network_cache=cache,
        clock=clock,
        nats=nats,
        _audit_key=load_audit_key(settings),  # a missing or malformed key stops start-up
        limiter=make_limiter(settings.redis_url),
    )
