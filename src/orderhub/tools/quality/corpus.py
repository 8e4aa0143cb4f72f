"""A labelled corpus of channel orders with injected defects, and its evaluation.

`generate` makes orders over the demo catalogue, renders each in one channel's own format
(Shopify, WooCommerce, TikTok Shop, Douyin, Taobao/Tmall, JD, Pinduoduo, CSV), signs it, and
injects at most one defect; the label is the hold-reason code (or refusal) the hub must report.
`evaluate` loads the demo data into a fresh embedded store, pushes every record through the
same adapters and intake service as the webhooks, and reports recall and precision per
defect type.

    orderhub corpus generate --count 2400 --seed 1 --out corpus/channel_orders.jsonl.gz
    orderhub corpus evaluate corpus/channel_orders.jsonl.gz
"""

from __future__ import annotations

import base64
import gzip
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from orderhub.adapters.channels.base import ChannelError, ChannelLine, ChannelOrder
from orderhub.adapters.channels.jd import render as jd_render
from orderhub.adapters.channels.pinduoduo import render as pdd_render
from orderhub.adapters.channels.registry import ADAPTERS, render, sign
from orderhub.adapters.channels.tabular import parse_rows, render_csv
from orderhub.domain.inventory import Channel, Sku
from orderhub.domain.order import Address, Customer
from orderhub.tools.demo import demo_catalog
from orderhub.tools.simulation import DESTINATIONS, GIVEN, MOBILE_PREFIXES, SURNAMES

# Corpus channel code -> (adapter, webhook secret). "csv" is a file import (no signature).
CHANNELS: dict[str, tuple[str, str]] = {
    "cp-shopify": ("shopify", "corpus-shopify-secret"),
    "cp-woo": ("woocommerce", "corpus-woo-secret"),
    "cp-tiktok": ("tiktok", "corpus-app-key:corpus-tiktok-secret"),
    "cp-douyin": ("douyin", "corpus-app-key:corpus-douyin-secret"),
    "cp-taobao": ("taobao", "corpus-taobao-secret"),
    "cp-jd": ("jd", "corpus-jd-app:corpus-jd-secret"),
    "cp-pdd": ("pdd", "corpus-pdd-client:corpus-pdd-secret"),
    "cp-csv": ("csv", ""),
}
# JD and Pinduoduo receivers are rendered as the current APIs send them, encrypted; the
# corpus hub opens them with the decryption simulator keyed by the channel secret.
SEALED = {"jd": jd_render.sealed_payload, "pdd": pdd_render.sealed_payload}
DECRYPTORS = {code: "simulator" for code, (adapter, _) in CHANNELS.items() if adapter in SEALED}
# Defects a format can carry: buyer declarations and customs data travel in Shopify note
# attributes, WooCommerce meta data and CSV columns only.
DECLARING = {"cp-shopify", "cp-woo", "cp-csv"}
DEFECTS: dict[str, set[str] | None] = {  # defect -> channels that can carry it (None: all)
    "missing_field": None, "address_incomplete": None, "phone_invalid": None,
    "amount_mismatch": {"cp-shopify", "cp-woo", "cp-tiktok", "cp-douyin", "cp-taobao",
                        "cp-jd", "cp-pdd"},
    "unmapped_sku": None, "not_sellable_in_channel": None,
    # TikTok lists one line item per unit: a bulk quantity is not a plausible TikTok order.
    "backorder": {"cp-shopify", "cp-woo", "cp-douyin", "cp-taobao", "cp-jd", "cp-pdd",
                  "cp-csv"},
    "age_stage_mismatch": DECLARING, "age_restricted": DECLARING, "quantity_limit": None,
    "cross_border_docs": DECLARING, "declared_value_limit": DECLARING,
    "price_below_floor": None,
    "bad_signature": {"cp-shopify", "cp-woo", "cp-tiktok", "cp-douyin", "cp-taobao", "cp-jd",
                      "cp-pdd"},
    "unparseable": None,
    # Ciphertext the channel's provider cannot open (sealed under another key). Pinduoduo
    # only: it sends masked copies beside, where JD's name and street would also be empty.
    "receiver_encrypted": {"cp-pdd"},
}
NO_DISTRICT_FIELD = {"shopify", "woocommerce"}
REFUSALS = {"bad_signature": "refused:signature", "unparseable": "refused:payload"}


@dataclass
class Record:
    id: str
    channel: str
    adapter: str
    defect: str  # "none" or a DEFECTS key
    expected: list[str]  # hold codes or refusals the hub must report
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps({"id": self.id, "channel": self.channel, "adapter": self.adapter,
                             "defect": self.defect, "expected": self.expected,
                             "headers": self.headers,
                             "body": base64.b64encode(self.body).decode()})

    @classmethod
    def from_json(cls, raw: bytes) -> Record:
        d = orjson.loads(raw)
        return cls(d["id"], d["channel"], d["adapter"], d["defect"], list(d["expected"]),
                   base64.b64decode(d["body"]), dict(d["headers"]))


class _Catalogue:
    """The demo SKUs sorted into what the generator needs for clean and defective lines."""

    def __init__(self, skus: Sequence[Sku]) -> None:
        plain = [s for s in skus if set(s.attributes) == {"category"}
                 and s.attributes["category"] not in ("ELEC",)]
        self.clean = [s for s in plain if int(s.code[4:]) <= 300]  # deep stock
        self.formula = [s for s in skus if s.attributes.get("formula_stage") == 1
                        and int(s.code[4:]) <= 600]
        self.alcohol = [s for s in skus if s.attributes.get("alcohol")]
        self.restricted = [s for s in skus if s.attributes.get("channels")]
        self.elec = [s for s in skus if s.attributes.get("category") == "ELEC"]
        self.tail = [s for s in plain if int(s.code[4:]) > 1800]


def _address(rng: random.Random) -> Address:
    province, city, district, _ = rng.choice(DESTINATIONS)
    return Address(country="CN", province=province, city=city, district=district,
                   line1=f"{rng.choice('东西南北中')}{rng.choice('山海平安康乐')}路 "
                         f"{rng.randint(1, 999)} 号",
                   postal_code=f"{rng.randint(100000, 860000)}",
                   name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2)),
                   phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}")


def _line(sku: Sku, qty: int, price: Decimal | None = None, **kw: Any) -> ChannelLine:
    return ChannelLine(channel_sku=sku.code, title=sku.name, quantity=qty,
                       unit_price=price if price is not None else sku.list_price or Decimal(10),
                       **kw)


def _total(lines: Sequence[ChannelLine], fee: Decimal) -> Decimal:
    return sum((ln.unit_price * ln.quantity - ln.discount + ln.tax for ln in lines),
               Decimal(0)) + fee


def _base(rng: random.Random, cat: _Catalogue, n: int, when: datetime) -> ChannelOrder:
    lines = [_line(s, rng.randint(1, 2)) for s in rng.sample(cat.clean, rng.randint(1, 3))]
    if rng.random() < 0.3:
        ln = lines[0]
        lines[0] = replace(ln, discount=(ln.unit_price * ln.quantity * Decimal("0.1")).quantize(
            Decimal("0.01")))
    fee = Decimal(rng.choice(["0.00", "0.00", "8.00", "12.00"]))
    return ChannelOrder(
        external_id=f"{9_000_000_000 + n}", status="open", updated_at=when, currency="CNY",
        lines=lines, customer=Customer(ref=f"cust-{n}", name="", phone=""),
        shipping_address=_address(rng), shipping_fee=fee, total=_total(lines, fee),
        placed_at=when)


def _inject(defect: str, co: ChannelOrder, cat: _Catalogue, rng: random.Random) -> ChannelOrder:
    a = co.shipping_address
    fee = co.shipping_fee

    def with_lines(lines: list[ChannelLine], **kw: Any) -> ChannelOrder:
        return replace(co, lines=lines, total=_total(lines, fee), **kw)

    if defect == "missing_field":
        return replace(co, shipping_address=replace(a, name=""))
    if defect == "address_incomplete":
        return replace(co, shipping_address=replace(a, district="",
                                                    line1=a.line1.replace(a.district, "")))
    if defect == "phone_invalid":
        return replace(co, shipping_address=replace(a, phone=f"{rng.randint(100, 99999)}"))
    if defect == "amount_mismatch":
        return replace(co, total=(co.total or Decimal(0)) + Decimal(rng.choice(["5", "10.5",
                                                                                "100"])))
    if defect == "unmapped_sku":
        stray = ChannelLine(f"ZZ-{rng.randint(10000, 99999)}", f"未知商品 Unknown item "
                            f"{rng.randint(1, 999)}", 1, Decimal("19.90"))
        return with_lines([*co.lines, stray])
    if defect == "not_sellable_in_channel":
        return with_lines([*co.lines, _line(rng.choice(cat.restricted), 1)])
    if defect == "backorder":
        return with_lines([*co.lines, _line(rng.choice(cat.tail), 5000)])
    if defect == "age_stage_mismatch":
        return with_lines([_line(rng.choice(cat.formula), 1)],
                          attributes={"baby_age_months": str(rng.randint(13, 30))})
    if defect == "age_restricted":
        return with_lines([_line(rng.choice(cat.alcohol), 1)],
                          attributes={"buyer_age": str(rng.randint(12, 17))})
    if defect == "quantity_limit":
        return with_lines([_line(rng.choice(cat.formula), rng.randint(7, 12))])
    if defect == "cross_border_docs":
        return replace(co, cross_border=True, declared_value=None)
    if defect == "declared_value_limit":
        lines = [replace(ln, hs_code="2106909090", origin_country="NZ") for ln in co.lines]
        return with_lines(lines, cross_border=True,
                          declared_value=Decimal(rng.randint(5001, 20000)))
    if defect == "price_below_floor":
        sku = rng.choice(cat.elec)
        cheap = ((sku.list_price or Decimal(100)) * Decimal("0.3")).quantize(Decimal("0.01"))
        return with_lines([*co.lines, _line(sku, 1, cheap)])
    return co


def generate(count: int = 2400, seed: int = 1, defect_share: float = 0.7) -> list[Record]:
    rng = random.Random(seed)
    cat = _Catalogue(demo_catalog())
    when = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    names = list(CHANNELS)
    defects = list(DEFECTS)
    records = []
    for n in range(count):
        channel = names[n % len(names)]
        adapter, secret = CHANNELS[channel]
        defect = "none"
        if rng.random() < defect_share:
            eligible = [d for d in defects if channel in (DEFECTS[d] or CHANNELS)]
            defect = eligible[rng.randrange(len(eligible))]
        base = _base(rng, cat, n, when + timedelta(seconds=n))
        if adapter in NO_DISTRICT_FIELD:
            # These formats have no district field: Chinese shops write it in the street line,
            # and intake recovers it from there.
            a = base.shipping_address
            base = replace(base, shipping_address=replace(a, line1=a.district + a.line1))
        order = _inject(defect, base, cat, rng)
        if adapter in SEALED:
            key = secret + "-other" if defect == "receiver_encrypted" else secret
            body = orjson.dumps(SEALED[adapter](order, key))
        else:
            body = render_csv([order]) if adapter == "csv" else render(adapter, order)
        if defect == "unparseable":
            # Cut off in transit but signed as sent; a CSV is cut inside its first data row.
            cut = body.index(b"\n") + 12 if adapter == "csv" else len(body) // 2
            body = body[:cut]
        headers = {} if adapter == "csv" else sign(adapter, body, secret)
        if defect == "bad_signature":
            headers = sign(adapter, body, secret + "-wrong")
        expected = [REFUSALS[defect]] if defect in REFUSALS else (
            [] if defect == "none" else [defect])
        records.append(Record(f"r{n:05d}", channel, adapter, defect, expected, body, headers))
    return records


def write(records: Iterable[Record], path: Path) -> int:
    """JSON lines, gzip-compressed when the name ends in .gz."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(r.to_json() + b"\n" for r in records)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return data.count(b"\n")


def read(path: Path) -> list[Record]:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return [Record.from_json(line) for line in data.splitlines() if line.strip()]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


@dataclass
class Evaluation:
    records: int = 0
    exact: int = 0  # records whose detected set equals the label
    scores: dict[str, Score] = field(default_factory=dict)
    seconds: float = 0.0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.exact / self.records if self.records else 0.0


def _detect(hub: Any, record: Record) -> list[str]:
    from orderhub.domain.privacy import PiiView
    from orderhub.services.intake.receivers import decryptor_for, reveal_receivers
    from orderhub.services.intake.submit import ingest_channel_orders
    from orderhub.services.orders.views import get_order

    try:
        if record.adapter == "csv":
            result = parse_rows(record.body, fmt="csv")
            if result.errors or not result.orders:
                return ["refused:payload"]
            orders = [o for _, o in result.orders]
        else:
            adapter = ADAPTERS[record.adapter]
            secret = CHANNELS[record.channel][1]
            adapter.verify(record.body, record.headers, secret)
            orders = [adapter.parse(record.body)]
            decryptor, why = decryptor_for(DECRYPTORS, "default", record.channel, secret)
            orders = reveal_receivers(orders, decryptor, why)
    except ChannelError as exc:
        return ["refused:signature" if type(exc).__name__ == "SignatureError"
                else "refused:payload"]
    results = ingest_channel_orders(hub.uow, "default", record.channel, orders,
                                    strategy=hub.strategy, now=hub.clock(), actor="corpus",
                                    presale_lock=hub.presale_lock)
    codes: list[str] = []
    for r in results:
        if r.outcome == "rejected":
            codes.append("refused:payload")
        elif r.order_id and r.status == "on_hold":
            codes += [h["code"] for h in get_order(hub.read_uow, "default", r.order_id,
                                                     pii=PiiView.NONE)["hold_reasons"]
                      if h["code"] not in ANOMALY_CODES]
    return sorted(set(codes))


# The corpus labels validation defects; anomaly holds (a 5,000-unit order from an account
# never seen is also held for review) are measured by benchmarks/anomaly_quality.py.
ANOMALY_CODES = frozenset({"suspected_fraud", "anomaly_review"})


def evaluate(records: Sequence[Record],
             progress: Callable[[int], None] | None = None) -> Evaluation:
    """Run every record through a fresh embedded hub loaded with the demo data."""
    import time

    from orderhub.adapters.db.migrate import upgrade
    from orderhub.bootstrap import bootstrap
    from orderhub.config import Settings
    from orderhub.services import catalog
    from orderhub.tools.demo import build_demo

    out = Evaluation()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(database_url=f"sqlite:///{tmp}/corpus.db"))
        try:
            upgrade(hub.engine)
            build_demo(hub, "default")
            catalog.add_channels(hub.uow, [
                Channel("default", code, code, "marketplace", True,
                        "" if adapter == "csv" else adapter, secret)
                for code, (adapter, secret) in CHANNELS.items()])
            for i, record in enumerate(records):
                detected = set(_detect(hub, record))
                expected = set(record.expected)
                out.records += 1
                out.exact += detected == expected
                for code in expected | detected:
                    score = out.scores.setdefault(code, Score())
                    if code in expected and code in detected:
                        score.tp += 1
                    elif code in expected:
                        score.fn += 1
                        out.confusions[(code, ",".join(sorted(detected)) or "-")] += 1
                    else:
                        score.fp += 1
                        out.confusions[(",".join(sorted(expected)) or "-", code)] += 1
                if progress:
                    progress(i + 1)
        finally:
            hub.close()
    out.seconds = time.perf_counter() - started
    return out
