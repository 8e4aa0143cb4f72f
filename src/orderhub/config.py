"""Settings, read from the environment with the ORDERHUB_ prefix."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERHUB_", extra="ignore")

    database_url: str = "sqlite:///orderhub.db"
    default_tenant: str = "default"
    # routing: the cost-, promise- and load-based router (domain/routing); nearest: the
    # first version, the nearest warehouse that fills the order
    allocation_strategy: str = "routing"
    # The router's objective: CNY per extra parcel, CNY per day late, most parcels per order
    routing_split_penalty: Decimal = Decimal("8.00")
    routing_late_penalty_per_day: Decimal = Decimal("15.00")
    routing_max_shipments: int = 3
    routing_cache_seconds: float = 2.0  # how stale carrier health and queue counts may be
    # Waves: seconds HiGHS may take per wave before the streaming answer is used
    wave_time_limit_seconds: float = 10.0
    # Carrier APIs for waybills: carrier (SF) or service (SF:express) -> base URL, as JSON;
    # carriers not listed get locally issued numbers. A service whose API fails this many
    # times in a row is circuit-broken (marked down) and probed again after reset seconds.
    carrier_endpoints: dict[str, str] = {}
    carrier_timeout_seconds: float = 3.0
    carrier_breaker_failures: int = 3
    carrier_breaker_reset_seconds: float = 60.0
    presale_lock_minutes: int = 30
    expiry_sweep_seconds: float = 30.0
    # The order twin: how often stalled steps and unacknowledged alerts are looked for
    # (an alert is raised within this long of its window passing; a sweep with nothing due
    # reads two indexes, a few ms even with a million open orders).
    twin_sweep_seconds: float = Field(0.5, gt=0)
    outbox_dispatch: bool = True
    # Group commit of single orders (POST /v1/orders; services/intake/group_commit.py):
    # concurrent requests share one transaction; an idle committer waits this long for
    # companions, a group holds at most this many orders.
    intake_group_commit: bool = True
    intake_group_wait_ms: float = Field(1.0, ge=0)
    intake_group_max: int = Field(128, ge=1)
    # Groups committing at once (0: one on SQLite, which has one writer; four otherwise).
    intake_group_committers: int = Field(0, ge=0, le=64)
    # Receiver decryption (adapters/channels/decryption.py): channel code, or
    # "tenant/channel", -> provider ("simulator": the local stand-in, keyed by the channel
    # secret). An encrypted receiver on a channel without one is held, not guessed.
    channel_decryptors: dict[str, str] = {}
    # A channel push whose signature covers its send time (JD, Pinduoduo) is refused as a
    # replay when that time is further than this from the hub's clock; 0 turns the check
    # off (replaying recorded traffic, as `orderhub corpus evaluate` does).
    channel_push_max_skew_minutes: int = Field(15, ge=0)
    host: str = "127.0.0.1"
    port: int = 8000
    # Request bodies: the most bytes any operation reads (413 beyond), and the larger limit
    # of the batch operations (POST /v1/orders/batch, /v1/skus/batch); see api/limits.py.
    max_body_bytes: int = Field(10 * 1024 * 1024, gt=0)
    max_batch_body_bytes: int = Field(64 * 1024 * 1024, gt=0)
    # Event backbone: NATS JetStream when set, the embedded log and in-process bus otherwise.
    nats_url: str | None = None
    nats_stream: str = "ORDERHUB"
    nats_subject_prefix: str = "orderhub"
    nats_timeout_seconds: float = 5.0
    relay_batch_size: int = 1000
    consumer_max_attempts: int = 5
    inbox_retention_days: int = 7
    # Webhooks: attempts before dead-letter, request timeout, first retry delay (doubles).
    webhook_max_attempts: int = 8
    webhook_timeout_seconds: float = 5.0
    webhook_backoff_seconds: float = 1.0
    webhook_backoff_cap_seconds: float = 3600.0
    # Refuse webhook URLs into private networks (SSRF) unless this is set (tests, intranets).
    webhook_allow_private_targets: bool = False
    # Secrets kept outside the database (issue 12). The master key wraps each tenant's data
    # key (personal data at rest); the audit key signs the audit chain and its checkpoints.
    # Each is base64 of 32 random bytes, from the variable or else from the file in key_dir;
    # `orderhub keys init` writes the files. A missing or wrong key stops start-up.
    key_dir: str = ".orderhub"
    master_key: str | None = None
    audit_key: str | None = None
    # Rate limits (token buckets): per credential and per tenant, requests per second and
    # burst; in-process unless redis_url is set (then shared by every API process).
    redis_url: str | None = None
    rate_limit_key_per_second: float = Field(50.0, gt=0)
    rate_limit_key_burst: int = Field(200, gt=0)
    rate_limit_tenant_per_second: float = Field(200.0, gt=0)
    rate_limit_tenant_burst: int = Field(800, gt=0)
    # Failed authentications per client address before 429 (brute force on keys).
    auth_failures_per_minute: int = Field(30, gt=0)
    # The buyer's tracking page (issue 19): where the hub is reached from outside (links are
    # <public_base_url>/track/...; empty: http://host:port), and its rate limits per client
    # address (requests; failures: bad links, unknown numbers, wrong phone digits) and per
    # order number (wrong phone digits, then locked for track_lock_minutes).
    public_base_url: str = ""
    track_requests_per_minute: int = Field(60, gt=0)
    track_failures_per_hour: int = Field(20, gt=0)
    track_phone_tries: int = Field(5, gt=0)
    track_lock_minutes: int = Field(30, gt=0)
    # Customer notifications (issue 19; services/notifications): the provider of each
    # medium (email: smtp | simulator; sms, wechat: simulator | webhook), the SMTP server,
    # the webhook-style provider's URL and signing secret (whsec_...), attempts before the
    # dead letter, back-off (doubles, capped), and the links put into messages.
    notify_email_provider: str = "simulator"
    notify_sms_provider: str = "simulator"
    notify_wechat_provider: str = "simulator"
    notify_smtp_host: str = "127.0.0.1"
    notify_smtp_port: int = 25
    notify_smtp_from: str = "orderhub@localhost"
    notify_smtp_starttls: bool = False
    notify_smtp_username: str = ""
    notify_smtp_password: str = ""
    notify_webhook_url: str = ""
    notify_webhook_secret: str = ""
    notify_timeout_seconds: float = Field(10.0, gt=0)
    notify_max_attempts: int = Field(6, ge=1)
    notify_backoff_seconds: float = Field(5.0, ge=0)
    notify_backoff_cap_seconds: float = Field(1800.0, ge=0)
    notify_public_url: str = "http://127.0.0.1:8000"
    notify_tracking_url: str = "{public_url}/track/{order_id}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
