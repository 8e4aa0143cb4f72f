"""Reason codes: each names a pattern, says why in English and Chinese with its evidence
(counts and window), and weighs in when no trained model is installed."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orderhub.domain.anomaly.facts import Facts
from orderhub.domain.anomaly.features import Features
from orderhub.domain.anomaly.settings import AnomalySettings


class ReasonCode(StrEnum):
    SHARED_ADDRESS_ACCOUNTS = "shared_address_accounts"
    ADDRESS_VELOCITY = "address_velocity"
    PHONE_VELOCITY = "phone_velocity"
    NEW_ACCOUNT_HIGH_VALUE = "new_account_high_value"
    GEO_MISMATCH = "geo_mismatch"
    CROSS_CHANNEL_DUPLICATE = "cross_channel_duplicate"
    CHANNEL_PRICE_CONFLICT = "channel_price_conflict"
    UNUSUAL_QUANTITY = "unusual_quantity"
    MODEL_OUTLIER = "model_outlier"  # the model scores it high, no rule names why (flag only)


# Brushing and fraud: a hold for these is `suspected_fraud`; the others `anomaly_review`.
FRAUD_CODES = frozenset({
    ReasonCode.SHARED_ADDRESS_ACCOUNTS, ReasonCode.ADDRESS_VELOCITY, ReasonCode.PHONE_VELOCITY,
    ReasonCode.NEW_ACCOUNT_HIGH_VALUE, ReasonCode.GEO_MISMATCH,
    ReasonCode.CROSS_CHANNEL_DUPLICATE,
})

@dataclass(frozen=True, slots=True)
class Reason:
    """A reason code with its messages and evidence; `weight` is how strongly it alone
    suggests an anomaly (the score when no trained model is installed: 1 - prod(1 - w)).
    Strong alone (>= 0.8, a hold at the default threshold): several accounts behind one
    address or phone, a channel-reported young account spending a lot. Weaker signals
    (a burst, a duplicate, a price or quantity outlier, a mismatched province) flag alone
    and hold only together."""

    code: ReasonCode
    message: str
    message_zh: str
    evidence: dict[str, Any] = field(default_factory=dict)
    weight: float = 0.5

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message,
                "message_zh": self.message_zh, "evidence": dict(self.evidence)}


def _h(hours: float) -> str:
    return f"{hours:g} h"


def reasons(f: Facts, x: Features, s: AnomalySettings) -> list[Reason]:
    """Every rule the order trips, with its evidence (pure)."""
    out: list[Reason] = []
    vw, bw = s.velocity_hours, s.burst_hours
    if f.address and x.address_accounts >= s.address_accounts:
        out.append(Reason(
            ReasonCode.SHARED_ADDRESS_ACCOUNTS,
            f"{x.address_accounts} other accounts shipped to this address in the last "
            f"{_h(vw)} ({x.address_orders} orders)",
            f"过去{vw:g}小时内另有{x.address_accounts}个账号向此地址下单（共{x.address_orders}单）",
            {"accounts": x.address_accounts, "orders": x.address_orders, "window_hours": vw},
            0.9))
    # Bursts count only when at least two accounts are behind them: one customer (or guest
    # checkouts without an account) ordering again and again is not brushing.
    if f.address and x.address_burst >= s.address_burst and x.address_burst_accounts >= 2:
        out.append(Reason(
            ReasonCode.ADDRESS_VELOCITY,
            f"{x.address_burst} orders to this address in the last {_h(bw)} from "
            f"{x.address_burst_accounts} accounts",
            f"过去{bw:g}小时内此地址已有{x.address_burst}单，来自{x.address_burst_accounts}个账号",
            {"orders": x.address_burst, "accounts": x.address_burst_accounts,
             "window_hours": bw}, 0.5))
    many = x.phone_accounts >= s.phone_accounts
    if f.phone and (many or (x.phone_burst >= s.phone_burst and x.phone_burst_accounts >= 2)):
        out.append(Reason(
            ReasonCode.PHONE_VELOCITY,
            f"this phone placed {x.phone_orders} orders from {x.phone_accounts} other "
            f"accounts in the last {_h(vw)} ({x.phone_burst} in the last {_h(bw)})",
            f"此电话过去{vw:g}小时内有{x.phone_orders}单、来自另外{x.phone_accounts}个账号"
            f"（过去{bw:g}小时内{x.phone_burst}单）",
            {"orders": x.phone_orders, "accounts": x.phone_accounts,
             "burst_orders": x.phone_burst, "window_hours": vw, "burst_hours": bw},
            0.85 if many else 0.5))
    age = f.account_age_days
    # Without the channel's account age, a consumer account the hub never saw counts as
    # new, but only at three times the threshold and with less weight (B2B accounts are
    # onboarded by contract: their first bulk order is no sign).
    if x.value >= s.high_value and (
            (age is not None and age < s.new_account_days)
            or (age is None and f.account and not f.b2b and x.known_days < 0
                and x.value >= 3 * s.high_value)):
        shown = f"{age:g} days old" if age is not None else "never seen before"
        shown_zh = f"注册{age:g}天" if age is not None else "首次出现"
        out.append(Reason(
            ReasonCode.NEW_ACCOUNT_HIGH_VALUE,
            f"a new account ({shown}) ordered {x.value:.2f} CNY (threshold "
            f"{s.high_value:g})",
            f"新账号（{shown_zh}）下单金额{x.value:.2f}元（阈值{s.high_value:g}元）",
            {"account_age_days": age, "value": round(x.value, 2),
             "threshold": s.high_value}, 0.8 if age is not None else 0.5))
    young = (age is not None and age < 30) or (
        age is None and bool(f.account) and x.account_orders == 0)
    if x.geo_mismatch and (young or x.value >= s.high_value):
        other = f.ip_province if x.geo_source == "ip" else f.phone_province
        out.append(Reason(
            ReasonCode.GEO_MISMATCH,
            f"the buyer's {x.geo_source} is in {other}, the order ships to "
            f"{f.ship_province}, from a new account or at a high value",
            f"买家{'IP' if x.geo_source == 'ip' else '电话'}归属{other}，收货地为"
            f"{f.ship_province}（新账号或高金额）",
            {"source": x.geo_source, "buyer_province": other,
             "ship_province": f.ship_province}, 0.45))
    if x.cross_channel_dups:
        out.append(Reason(
            ReasonCode.CROSS_CHANNEL_DUPLICATE,
            f"the same items to the same person and address came {x.cross_channel_dups} "
            f"times from {', '.join(x.other_channels)} in the last "
            f"{_h(s.duplicate_hours)}",
            f"过去{s.duplicate_hours:g}小时内相同商品、收件人和地址已从"
            f"{'、'.join(x.other_channels)}下单{x.cross_channel_dups}次",
            {"duplicates": x.cross_channel_dups, "channels": list(x.other_channels),
             "window_hours": s.duplicate_hours}, 0.6))
    if x.price_deviation >= s.price_deviation:
        price = dict(f.prices).get(x.price_sku, 0.0)
        out.append(Reason(
            ReasonCode.CHANNEL_PRICE_CONFLICT,
            f"{x.price_sku} sells at {price:.2f} in {f.channel}, "
            f"{x.price_deviation:.0%} off the {x.price_reference:.2f} of other channels "
            f"({x.price_seen} lines in {s.price_days:g} days)",
            f"{x.price_sku}在{f.channel}售价{price:.2f}元，与其他渠道的{x.price_reference:.2f}元"
            f"相差{x.price_deviation:.0%}（{s.price_days:g}天内{x.price_seen}行）",
            {"sku": x.price_sku, "price": round(price, 2),
             "reference": round(x.price_reference, 2), "deviation": x.price_deviation,
             "lines_compared": x.price_seen, "window_days": s.price_days},
            # below the other channels: a mispriced listing being taken; above: a flag
            0.7 if price < x.price_reference else 0.4))
    if x.account_orders and x.max_qty >= max(s.quantity_floor,
                                              s.quantity_factor * x.account_max_qty):
        out.append(Reason(
            ReasonCode.UNUSUAL_QUANTITY,
            f"{x.max_qty} units on one line; this account's largest in {s.account_days:g} "
            f"days ({x.account_orders} orders) was {x.account_max_qty}",
            f"单行数量{x.max_qty}件；该账号{s.account_days:g}天内（{x.account_orders}单）"
            f"最多{x.account_max_qty}件",
            {"quantity": x.max_qty, "previous_max": x.account_max_qty,
             "orders": x.account_orders, "window_days": s.account_days}, 0.6))
    elif not x.account_orders and not f.b2b and x.max_qty >= s.first_order_quantity:
        out.append(Reason(
            ReasonCode.UNUSUAL_QUANTITY,
            f"{x.max_qty} units on one line of a consumer order with no history "
            f"(threshold {s.first_order_quantity})",
            f"无历史记录的消费者订单单行{x.max_qty}件（阈值{s.first_order_quantity}件）",
            {"quantity": x.max_qty, "previous_max": None, "orders": 0,
             "threshold": s.first_order_quantity}, 0.6))
    return out


def rules_score(found: list[Reason]) -> float:
    """The score without a model: 1 - prod(1 - weight) over the reasons found."""
    keep = 1.0
    for r in found:
        keep *= 1 - r.weight
    return round(1 - keep, 4)
