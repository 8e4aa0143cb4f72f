"""Reconciliation of channel settlements and carrier bills (对账), pure: no I/O, no clock.

A settlement file (a channel's 结算账单 / 账务明细 / payouts, or a carrier's freight bill) is
read into `SettlementRow`s by `adapters/settlements.py`. A run matches one scope (a tenant's
channel, or one carrier as `carrier:<name>`) and one month (`Period`) against what the hub
knows: orders by the channel's external id (or the hub's order id), their grand totals, the
refunds the hub knows of (`known refunds`: a port in services/reconciliation.py), and
shipments by waybill. Every row ends in exactly one finding (`Finding.row_count` counts it
once), and every order of the period the channel never settled is a finding of its own.

Sign convention of `SettlementRow.amount`: channels are seen from the merchant's account,
money in is positive (交易付款, charge), money out negative (交易退款, 佣金, 软件服务费, refund,
fee). Carrier bills state what the merchant owes: freight and surcharges are positive costs.

Reason codes (`FindingCode`, Chinese labels in `LABELS_ZH`):

- matched 已匹配: the order's rows settle its grand total and known refunds (tolerance)
- amount_mismatch 实收金额不符: payments settled differ from the order's grand total
- refund_mismatch 退款金额不符: refunds settled differ from the refunds the hub knows of
- fee_mismatch 费用/佣金不符: a fee or commission type differs from rate × grand total
- currency_mismatch 币种不符: a row's currency is not the order's (nothing summed)
- unmatched_row 无对应订单: rows whose order reference is no order of the channel
- unsettled_order 订单未结算: an order of the period, not refunded in full, with no row
- duplicate 重复扣款/重复结算: a row whose reference an earlier row of the period had
- freight_allocated 运费已分摊: a waybill's charges matched to its shipment, allocated
- unmatched_waybill 运单无对应发货: a carrier bill's waybill that is no shipment of the hub

Freight allocation rule: a waybill's charges go to the order lines shipped under that
waybill (the shipment's reservations; all the order's lines when none are recorded), in
proportion to each line's weight (SKU weight × quantity) when every such line's weight is
known, else in proportion to its value (unit price × quantity − discount), else equally.
Amounts are rounded to the currency's minor unit by the largest remainder, so the lines'
shares add up to the charge exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.money import minor_unit, quantize

ZERO = Decimal(0)
# Periods are calendar months in China time (UTC+08:00, no daylight saving), the time the
# channels' statements are kept in.
CHINA = timezone(timedelta(hours=8))
CARRIER_PREFIX = "carrier:"
DEFAULT_TOLERANCE = Decimal("0.01")


class RowKind(StrEnum):
    PAYMENT = "payment"  # money from the buyer (交易付款, 货款, charge)
    REFUND = "refund"  # money back to the buyer (交易退款, refund)
    FEE = "fee"  # platform fees (软件服务费, 平台服务费, 交易服务费, Shopify's fee)
    COMMISSION = "commission"  # commissions (佣金, 达人佣金, 淘宝客佣金)
    ADJUSTMENT = "adjustment"  # adjustments, subsidies, compensations
    FREIGHT = "freight"  # a carrier's base freight for a waybill
    SURCHARGE = "surcharge"  # a carrier's surcharge for a waybill (fuel, remote area...)
    OTHER = "other"  # anything else the file lists (reported in totals, not matched)


class FindingCode(StrEnum):
    MATCHED = "matched"
    AMOUNT_MISMATCH = "amount_mismatch"
    REFUND_MISMATCH = "refund_mismatch"
    FEE_MISMATCH = "fee_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNMATCHED_ROW = "unmatched_row"
    UNSETTLED_ORDER = "unsettled_order"
    DUPLICATE = "duplicate"
    FREIGHT_ALLOCATED = "freight_allocated"
    UNMATCHED_WAYBILL = "unmatched_waybill"


LABELS_ZH: dict[FindingCode, str] = {
    FindingCode.MATCHED: "已匹配",
    FindingCode.AMOUNT_MISMATCH: "实收金额不符",
    FindingCode.REFUND_MISMATCH: "退款金额不符",
    FindingCode.FEE_MISMATCH: "费用/佣金不符",
    FindingCode.CURRENCY_MISMATCH: "币种不符",
    FindingCode.UNMATCHED_ROW: "无对应订单",
    FindingCode.UNSETTLED_ORDER: "订单未结算",
    FindingCode.DUPLICATE: "重复扣款/重复结算",
    FindingCode.FREIGHT_ALLOCATED: "运费已分摊",
    FindingCode.UNMATCHED_WAYBILL: "运单无对应发货",
}
# Codes that are not problems: a row in one of these is "matched", in any other "flagged".
SETTLED_CODES = frozenset({FindingCode.MATCHED, FindingCode.FREIGHT_ALLOCATED})


# ----- periods ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, field_name: str = "period") -> Period:
        m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
            raise InvalidInput([FieldError(field_name, f"'{text}' is not a month (YYYY-MM)")])
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Period:
        local = moment.astimezone(CHINA)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=CHINA).astimezone(UTC)

    @property
    def end(self) -> datetime:
        nxt = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(nxt[0], nxt[1], 1, tzinfo=CHINA).astimezone(UTC)


def is_carrier(scope: str) -> bool:
    return scope.startswith(CARRIER_PREFIX)


# ----- rows and facts -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SettlementRow:
    """One row of a settlement file or carrier bill, as parsed (`line`: its row in the file
    as a spreadsheet shows it; `reference`: what makes it unique, the source's transaction
    number or, where the file has none, the fields that identify the charge)."""

    line: int
    reference: str
    order_ref: str  # the channel's order number (or the hub's order id); "" on carrier rows
    kind: RowKind
    fee_type: str  # the source's own label: 交易付款, 佣金, charge, 燃油附加费 ...
    amount: Decimal
    currency: str
    occurred_at: datetime
    waybill: str = ""
    weight_kg: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What reconciliation reads of an order."""

    id: str
    external_id: str
    currency: str
    grand_total: Decimal
    status: str
    moment: datetime  # placed_at, else created_at


@dataclass(frozen=True, slots=True)
class LineFacts:
    line_no: int
    quantity: int
    value: Decimal  # unit price × quantity − discount
    weight_kg: Decimal | None  # SKU weight × quantity; None: unknown


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    shipment_id: str
    order_id: str
    external_id: str
    waybill: str
    lines: tuple[LineFacts, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    code: FindingCode
    order_id: str = ""
    external_id: str = ""
    reference: str = ""
    waybill: str = ""
    fee_type: str = ""
    expected: Decimal | None = None
    settled: Decimal | None = None
    currency: str = ""
    row_count: int = 0  # rows this finding accounts for (each row counted once per run)
    lines: tuple[int, ...] = ()  # the rows' lines in their files
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def difference(self) -> Decimal | None:
        if self.expected is None or self.settled is None:
            return None
        return self.settled - self.expected

    def as_dict(self) -> dict[str, Any]:
        diff = self.difference
        return {"code": self.code.value, "label": LABELS_ZH[self.code],
                "order_id": self.order_id, "external_id": self.external_id,
                "reference": self.reference, "waybill": self.waybill,
                "fee_type": self.fee_type,
                "expected": None if self.expected is None else str(self.expected),
                "settled": None if self.settled is None else str(self.settled),
                "difference": None if diff is None else str(diff),
                "currency": self.currency, "row_count": self.row_count,
                "lines": list(self.lines), "detail": dict(self.detail)}


@dataclass(frozen=True, slots=True)
class Outcome:
    findings: list[Finding]
    rows: int

    def counts(self) -> dict[str, int]:
        out = {c.value: 0 for c in FindingCode}
        for f in self.findings:
            out[f.code.value] += 1
        return out

    def summary(self) -> dict[str, Any]:
        matched = sum(f.row_count for f in self.findings if f.code in SETTLED_CODES)
        flagged = sum(f.row_count for f in self.findings if f.code not in SETTLED_CODES)
        return {"rows": self.rows, "rows_matched": matched, "rows_flagged": flagged,
                "rows_unaccounted": self.rows - matched - flagged, "counts": self.counts(),
                "problems": sum(1 for f in self.findings if f.code not in SETTLED_CODES)}


# ----- matching -----------------------------------------------------------------------------
def _split_duplicates(rows: Iterable[SettlementRow]
                      ) -> tuple[list[SettlementRow], list[Finding]]:
    seen: dict[str, SettlementRow] = {}
    kept: list[SettlementRow] = []
    dupes: list[Finding] = []
    for r in rows:
        first = seen.get(r.reference)
        if first is None:
            seen[r.reference] = r
            kept.append(r)
            continue
        dupes.append(Finding(
            FindingCode.DUPLICATE, external_id=r.order_ref, reference=r.reference,
            waybill=r.waybill, fee_type=r.fee_type, settled=r.amount, currency=r.currency,
            row_count=1, lines=(r.line,), detail={"first_line": first.line}))
    return kept, dupes


def _sum(rows: Iterable[SettlementRow]) -> Decimal:
    return sum((r.amount for r in rows), ZERO)


def reconcile_channel(rows: Sequence[SettlementRow], orders: Mapping[str, OrderFacts],
                      period_orders: Iterable[OrderFacts], refunds: Mapping[str, Decimal], *,
                      tolerance: Decimal = DEFAULT_TOLERANCE,
                      fee_rates: Mapping[str, Decimal] | None = None) -> Outcome:
    """A channel's rows of one period against its orders.

    `orders`: the orders the rows name, by external id and by order id; `period_orders`:
    the channel's orders placed in the period (those never settled are reported);
    `refunds`: what the hub knows was refunded, per order id; `fee_rates`: the expected
    rate of a fee or commission type (its label as the file writes it) of the grand total.
    """
    rates = fee_rates or {}
    kept, findings = _split_duplicates(sorted(rows, key=lambda r: r.line))
    groups: dict[str, list[SettlementRow]] = {}
    for r in kept:
        groups.setdefault(r.order_ref, []).append(r)
    settled_ids: set[str] = set()
    for ref, group in groups.items():
        lines = tuple(r.line for r in group)
        order = orders.get(ref)
        if order is None:
            findings.append(Finding(
                FindingCode.UNMATCHED_ROW, external_id=ref,
                reference=group[0].reference, settled=_sum(group),
                currency=group[0].currency, row_count=len(group), lines=lines,
                detail={"fee_types": sorted({r.fee_type for r in group})}))
            continue
        settled_ids.add(order.id)
        findings.extend(_order_findings(order, group, lines, refunds.get(order.id, ZERO),
                                        tolerance, rates))
    for order in period_orders:
        if order.id in settled_ids:
            continue
        refunded = refunds.get(order.id, ZERO)
        if order.grand_total - refunded <= tolerance:
            continue  # refunded in full (a cancelled order): nothing to settle
        findings.append(Finding(
            FindingCode.UNSETTLED_ORDER, order_id=order.id, external_id=order.external_id,
            expected=order.grand_total, settled=ZERO, currency=order.currency,
            detail={"status": order.status, "refunded": str(refunded)}))
    return Outcome(findings, len(rows))


def _order_findings(order: OrderFacts, group: list[SettlementRow], lines: tuple[int, ...],
                    refunded: Decimal, tolerance: Decimal, rates: Mapping[str, Decimal]
                    ) -> list[Finding]:
    def make(code: FindingCode, **kw: Any) -> Finding:
        return Finding(code, order_id=order.id, external_id=order.external_id,
                       currency=order.currency, **kw)

    foreign = sorted({r.currency for r in group if r.currency != order.currency})
    if foreign:
        return [make(FindingCode.CURRENCY_MISMATCH, reference=group[0].reference,
                        row_count=len(group), lines=lines,
                        detail={"row_currencies": foreign})]
    paid = refund = net = ZERO
    fees: dict[str, Decimal] = {}
    for r in group:  # one pass: a 100,000-row run does this for every order
        net += r.amount
        if r.kind is RowKind.PAYMENT:
            paid += r.amount
        elif r.kind is RowKind.REFUND:
            refund -= r.amount
        else:
            fees[r.fee_type] = fees.get(r.fee_type, ZERO) + r.amount
    out: list[Finding] = []
    if abs(paid - order.grand_total) > tolerance:
        out.append(make(FindingCode.AMOUNT_MISMATCH, fee_type="payment",
                           expected=order.grand_total, settled=paid))
    if abs(refund - refunded) > tolerance:
        out.append(make(FindingCode.REFUND_MISMATCH, fee_type="refund",
                           expected=refunded, settled=refund))
    for fee_type, rate in sorted(rates.items()):
        expected = quantize(order.grand_total * rate, order.currency)
        charged = -fees.get(fee_type, ZERO)
        if abs(charged - expected) > tolerance:
            out.append(make(FindingCode.FEE_MISMATCH, fee_type=fee_type,
                               expected=expected, settled=charged,
                               detail={"rate": str(rate)}))
    detail: dict[str, Any] = {"paid": str(paid), "refunded": str(refund), "net": str(net)}
    if fees:
        detail["fees"] = {k: str(v) for k, v in sorted(fees.items())}
    if not out:
        return [make(FindingCode.MATCHED, expected=order.grand_total - refunded,
                        settled=paid - refund, row_count=len(group), lines=lines,
                        detail=detail)]
    first = out[0]
    out[0] = Finding(first.code, first.order_id, first.external_id, group[0].reference, "",
                     first.fee_type, first.expected, first.settled, first.currency,
                     len(group), lines, {**first.detail, **detail})
    return out


def reconcile_carrier(rows: Sequence[SettlementRow], shipments: Mapping[str, ShipmentFacts]
                      ) -> Outcome:
    """A carrier's bill rows of one period against the hub's shipments by waybill; the
    charges of each matched waybill allocated to its order's lines (module docstring)."""
    kept, findings = _split_duplicates(sorted(rows, key=lambda r: r.line))
    groups: dict[str, list[SettlementRow]] = {}
    for r in kept:
        groups.setdefault(r.waybill, []).append(r)
    for waybill, group in groups.items():
        lines = tuple(r.line for r in group)
        total = _sum(group)
        currency = group[0].currency
        sums: dict[str, Decimal] = {}
        for r in group:
            sums[r.fee_type] = sums.get(r.fee_type, ZERO) + r.amount
        charges = {k: str(v) for k, v in sums.items()}
        weight = next((r.weight_kg for r in group if r.weight_kg is not None), None)
        shipment = shipments.get(waybill)
        if shipment is None:
            findings.append(Finding(FindingCode.UNMATCHED_WAYBILL, waybill=waybill,
                                    reference=group[0].reference, settled=total,
                                    currency=currency, row_count=len(group), lines=lines,
                                    detail={"charges": charges}))
            continue
        rule, shares = allocate_freight(total, shipment.lines, currency)
        findings.append(Finding(
            FindingCode.FREIGHT_ALLOCATED, order_id=shipment.order_id,
            external_id=shipment.external_id, reference=group[0].reference, waybill=waybill,
            settled=total, currency=currency, row_count=len(group), lines=lines,
            detail={"shipment_id": shipment.shipment_id, "rule": rule, "charges": charges,
                    "billed_weight_kg": None if weight is None else str(weight),
                    "allocation": {str(k): str(v) for k, v in shares.items()}}))
    return Outcome(findings, len(rows))


def allocate_freight(amount: Decimal, lines: Sequence[LineFacts], currency: str
                     ) -> tuple[str, dict[int, Decimal]]:
    """(rule, line_no -> share): by weight if every line's is known, else by value."""
    if not lines:
        return "none", {}
    weights = [ln.weight_kg for ln in lines]
    if all(w is not None and w > 0 for w in weights):
        rule, basis = "weight", [w or ZERO for w in weights]
    elif sum((ln.value for ln in lines), ZERO) > 0:
        rule, basis = "value", [max(ln.value, ZERO) for ln in lines]
    else:
        rule, basis = "equal", [Decimal(1)] * len(lines)
    shares = split(amount, basis, currency)
    return rule, {ln.line_no: s for ln, s in zip(lines, shares, strict=True)}


def split(amount: Decimal, basis: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`amount` in proportion to `basis`, rounded to the currency's minor unit by the
    largest remainder: the parts add up to `quantize(amount)` exactly."""
    total = sum(basis, ZERO)
    amount = quantize(amount, currency)
    if total <= 0:
        basis, total = [Decimal(1)] * len(basis), Decimal(len(basis))
    step = Decimal(1).scaleb(-minor_unit(currency))
    raw = [amount * b / total for b in basis]
    parts = [r.quantize(step, rounding=ROUND_DOWN) for r in raw]
    left = int(((amount - sum(parts, ZERO)) / step).to_integral_value())
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    sign = 1 if left >= 0 else -1
    for i in order[:abs(left)]:
        parts[i] += step * sign
    return parts
