"""An order's money, line by line: every order-level amount allocated to the lines.

Pure: an `Order` in, one `LineMoney` per line out. The rules (docs/money.md says the same):

1. **A line's own amounts** are its gross (`unit_price × quantity`), its line discount and
   its tax, as the channel stated them. Tax is never recomputed: the lines' tax is what was
   charged, and an order discount allocated to a line does not change it.
2. **The weight** of a line is its *net merchandise value*: gross − line discount, in the
   currency's minor units, never below zero. When every weight is zero (a free order), the
   lines weigh by quantity; when those are zero too, equally.
3. **Every order-level amount is allocated pro rata to the weights**, one amount at a time,
   by largest remainder in the currency's minor unit: each line first gets the floor of its
   exact share, then the minor units left over go one each to the lines with the largest
   fractional remainders (ties: the earlier line). The allocations of an amount therefore sum
   exactly to it, and each is within one minor unit of its exact share. A negative amount is
   allocated as its absolute value and negated.
4. **What goes where** (the `Charge.kind` families of domain/order.py):
   - `shipping_fee` together with `discount:shipping` charges -> `shipping` (the line's share
     of the net shipping charge);
   - every other `discount:*` (platform subsidy, seller coupon) -> `order_discount`, shown as
     a positive reduction, like the line discount (and, kind by kind, `discounts`);
   - `fee:*`, `duty`, `tip` and `adjustment` -> `fees` (and, kind by kind, `charges`).
     **Duty** is levied on the goods' value, so it follows the lines like shipping: a line
     cancelled before dispatch takes its share of duty with it. **A tip** is not tied to any
     line; it is allocated pro rata all the same, so that the lines always add up to the
     order's grand total and the tip is refunded in proportion when lines are cancelled or
     refunded (no part of the balance lives outside the lines).
   - When the order's own amounts carry more decimals than the currency allows, the grand
     total (rounded once, as `Order.totals` rounds it) and the sum of the rounded components
     can differ by a minor unit or two; that difference is allocated as the charge kind
     `total_rounding` (in `fees`), so the lines still sum to the grand total exactly.
5. **A line's net** = gross − line discount − order discount + tax + shipping + fees. Over
   the order, the nets sum exactly to `Order.grand_total`; with non-negative line amounts
   and order discounts no larger than the merchandise they apply to, no net is negative.
6. **Money for some units of a line** (`units_money(lm, k, before)`): each component for
   the units `before+1 .. before+k` is `cum(before+k) − cum(before)`, where
   `cum(n) = component × n / quantity` rounded toward zero to the minor unit and
   `cum(quantity)` = the component exactly. Taken unit by unit, or in any run of portions
   that covers the line once, the portions sum exactly to the line's amounts, and no prefix
   ever exceeds them: refunding or invoicing all units one by one never exceeds the line's
   net. The net of a portion follows this rule itself (so its prefixes never pass the
   line's net, which rounding each component separately could not promise); the minor
   units by which it differs from the sum of its rounded components are the portion's
   `rounding` (zero over the whole line, and for a whole line). A single unit's money is
   `unit_net(lm)` (the first unit: rounded down; the last unit of the line takes what
   rounding left over).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.money import ZERO, minor_unit, quantize
from orderhub.domain.order import Order

# The component names of a line's money, in the order they add up to its net.
COMPONENTS = ("gross", "line_discount", "order_discount", "tax", "shipping", "fees")
FEE_FAMILIES = ("fee", "duty", "tip", "adjustment")


@dataclass(frozen=True, slots=True)
class LineMoney:
    """One line's share of the order's money (or of some of its units: `units_money`).

    Reductions (`line_discount`, `order_discount`) are positive amounts that are subtracted;
    `charges` is `fees` kind by kind (`fee:insurance`, `duty`, `tip`, ...), `discounts` is
    `order_discount` kind by kind (`discount:platform`, ...; positive)."""

    line_no: int
    quantity: int
    currency: str
    gross: Decimal
    line_discount: Decimal
    order_discount: Decimal
    tax: Decimal
    shipping: Decimal
    fees: Decimal
    charges: tuple[tuple[str, Decimal], ...] = field(default_factory=tuple)
    rounding: Decimal = ZERO  # only in a portion of a line (units_money); 0 for a whole line
    discounts: tuple[tuple[str, Decimal], ...] = field(default_factory=tuple)

    @property
    def net(self) -> Decimal:
        """What the customer pays for this line (or these units), all in."""
        return (self.gross - self.line_discount - self.order_discount + self.tax
                + self.shipping + self.fees + self.rounding)

    @property
    def merchandise(self) -> Decimal:
        """Gross less both discounts: the goods' value the customer pays, before tax."""
        return self.gross - self.line_discount - self.order_discount

    def as_dict(self) -> dict[str, object]:
        return {
            "line_no": self.line_no, "quantity": self.quantity, "currency": self.currency,
            "gross": str(self.gross), "line_discount": str(self.line_discount),
            "order_discount": str(self.order_discount), "tax": str(self.tax),
            "shipping": str(self.shipping), "fees": str(self.fees),
            "charges": {k: str(v) for k, v in self.charges}, "rounding": str(self.rounding),
            "discounts": {k: str(v) for k, v in self.discounts},
            "net": str(self.net),
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> LineMoney:
        charges = d.get("charges") or {}
        discounts = d.get("discounts") or {}
        assert isinstance(charges, dict) and isinstance(discounts, dict)
        return cls(
            line_no=int(str(d["line_no"])), quantity=int(str(d["quantity"])),
            currency=str(d["currency"]), gross=Decimal(str(d["gross"])),
            line_discount=Decimal(str(d["line_discount"])),
            order_discount=Decimal(str(d["order_discount"])), tax=Decimal(str(d["tax"])),
            shipping=Decimal(str(d["shipping"])), fees=Decimal(str(d["fees"])),
            charges=tuple((str(k), Decimal(str(v))) for k, v in charges.items()),
            rounding=Decimal(str(d.get("rounding", "0"))),
            discounts=tuple((str(k), Decimal(str(v))) for k, v in discounts.items()),
        )


# ----- minor units --------------------------------------------------------------------------
def _to_minor(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(minor_unit(currency)))


def _from_minor(units: int, currency: str) -> Decimal:
    return quantize(Decimal(units).scaleb(-minor_unit(currency)), currency)


def split_pro_rata(total: int, weights: Sequence[int]) -> list[int]:
    """`total` (integer minor units) split in proportion to `weights` by largest remainder:
    the parts sum to `total` exactly; ties go to the earlier weight. Negative weights count
    as zero; all-zero weights split equally."""
    n = len(weights)
    if n == 0:
        if total:
            raise InvalidInput([FieldError(
                "lines", "an amount cannot be allocated to an order without lines")])
        return []
    ws = [max(0, w) for w in weights]
    if sum(ws) == 0:
        ws = [1] * n
    if total < 0:
        return [-p for p in split_pro_rata(-total, ws)]
    whole = sum(ws)
    parts = [total * w // whole for w in ws]
    remainders = [total * w % whole for w in ws]
    left = total - sum(parts)
    order = sorted(range(n), key=lambda i: (-remainders[i], i))
    for i in order[:left]:  # left < n: each remainder is below `whole`
        parts[i] += 1
    return parts


def _round_to_total(exact: Sequence[Decimal], total: Decimal, currency: str) -> list[Decimal]:
    """Each exact value rounded down to the minor unit, the units still missing to reach
    `total` given one each to the largest fractions (so already-exact values stay as they
    are, and the rounded values sum to `total`)."""
    scale = minor_unit(currency)
    floors: list[int] = []
    fractions: list[Decimal] = []
    for v in exact:
        scaled = v.scaleb(scale)
        f = int(scaled.to_integral_value(rounding=ROUND_FLOOR))
        floors.append(f)
        fractions.append(scaled - f)
    diff = _to_minor(total, currency) - sum(floors)
    if floors:
        ranked = sorted(range(len(floors)), key=lambda i: (-fractions[i], i))
        step = 1 if diff >= 0 else -1
        for k in range(abs(diff)):
            floors[ranked[k % len(ranked)]] += step
    return [_from_minor(f, currency) for f in floors]


def _weights(order: Order, gross: Sequence[Decimal], discount: Sequence[Decimal]) -> list[int]:
    cur = order.currency
    ws = [max(0, _to_minor(g - d, cur)) for g, d in zip(gross, discount, strict=True)]
    if sum(ws) == 0:
        ws = [max(0, ln.quantity) for ln in order.lines]
    return ws


# ----- the allocation -----------------------------------------------------------------------
def allocate(order: Order) -> list[LineMoney]:
    """Every line's money with the order-level amounts allocated (module docstring, rules
    1-5). The nets sum exactly to `order.grand_total`."""
    cur = order.currency
    lines = order.lines
    subtotal, discount_total, tax_total, grand_total = order.totals()
    gross = _round_to_total([ln.unit_price * ln.quantity for ln in lines], subtotal, cur)
    line_discount = _round_to_total([ln.discount for ln in lines], discount_total, cur)
    tax = _round_to_total([ln.tax for ln in lines], tax_total, cur)
    weights = _weights(order, gross, line_discount)

    # Order-level amounts by bucket, each kind allocated on its own.
    shipping_total = order.shipping_fee
    discount_kinds: dict[str, Decimal] = {}
    fee_kinds: dict[str, Decimal] = {}
    for c in order.charges:
        if c.kind == "discount:shipping" or c.family == "shipping":
            shipping_total += c.amount
        elif c.family == "discount":
            discount_kinds[c.kind] = discount_kinds.get(c.kind, ZERO) + c.amount
        else:  # fee:*, duty, tip, adjustment, and any other kind a channel sent
            fee_kinds[c.kind] = fee_kinds.get(c.kind, ZERO) + c.amount
    components_sum = (subtotal - discount_total + tax_total + quantize(shipping_total, cur)
                      + sum((quantize(v, cur) for v in discount_kinds.values()), ZERO)
                      + sum((quantize(v, cur) for v in fee_kinds.values()), ZERO))
    residue = grand_total - components_sum
    if residue:
        fee_kinds["total_rounding"] = fee_kinds.get("total_rounding", ZERO) + residue

    def spread(amount: Decimal) -> list[Decimal]:
        return [_from_minor(p, cur) for p in split_pro_rata(_to_minor(amount, cur), weights)]

    shipping = spread(shipping_total)
    order_discount = [ZERO] * len(lines)
    per_line_discounts: list[list[tuple[str, Decimal]]] = [[] for _ in lines]
    for kind in sorted(discount_kinds):
        # A discount charge is negative; the line shows the reduction as a positive amount.
        for i, p in enumerate(spread(discount_kinds[kind])):
            order_discount[i] -= p
            per_line_discounts[i].append((kind, -p))
    fees = [ZERO] * len(lines)
    per_line_charges: list[list[tuple[str, Decimal]]] = [[] for _ in lines]
    for kind in sorted(fee_kinds):
        parts = spread(fee_kinds[kind])
        for i, p in enumerate(parts):
            fees[i] += p
            per_line_charges[i].append((kind, p))
    return [
        LineMoney(
            line_no=ln.line_no, quantity=ln.quantity, currency=cur, gross=gross[i],
            line_discount=line_discount[i], order_discount=quantize(order_discount[i], cur),
            tax=tax[i], shipping=shipping[i], fees=quantize(fees[i], cur),
            charges=tuple(per_line_charges[i]), discounts=tuple(per_line_discounts[i]),
        )
        for i, ln in enumerate(lines)
    ]


def by_line(order: Order) -> dict[int, LineMoney]:
    """`allocate(order)` keyed by line number."""
    return {lm.line_no: lm for lm in allocate(order)}


# ----- some units of a line -----------------------------------------------------------------
def _cumulative(amount: Decimal, n: int, quantity: int, currency: str) -> int:
    """Minor units of `amount × n / quantity`, rounded toward zero; exact at n = quantity."""
    total = _to_minor(amount, currency)
    if n >= quantity:
        return total
    share = abs(total) * n // quantity
    return share if total >= 0 else -share


def units_money(lm: LineMoney, units: int, before: int = 0) -> LineMoney:
    """The money for `units` units of the line, after `before` units already taken (invoiced,
    refunded, cancelled) by the same rule (module docstring, rule 6). Raises
    `InvalidInput` when the units do not fit in the line."""
    if units < 0 or before < 0 or before + units > lm.quantity:
        raise InvalidInput([FieldError(
            f"lines.{lm.line_no}.quantity",
            f"line {lm.line_no} has {lm.quantity} units: cannot take {units} after {before}")])
    cur = lm.currency

    def part(amount: Decimal) -> Decimal:
        return _from_minor(_cumulative(amount, before + units, lm.quantity, cur)
                           - _cumulative(amount, before, lm.quantity, cur), cur)

    charges = tuple((k, part(v)) for k, v in lm.charges)
    fees = sum((v for _, v in charges), ZERO) if charges else part(lm.fees)
    discounts = tuple((k, part(v)) for k, v in lm.discounts)
    order_discount = (sum((v for _, v in discounts), ZERO) if discounts
                      else part(lm.order_discount))
    portion = LineMoney(
        line_no=lm.line_no, quantity=units, currency=cur, gross=part(lm.gross),
        line_discount=part(lm.line_discount), order_discount=quantize(order_discount, cur),
        tax=part(lm.tax), shipping=part(lm.shipping), fees=quantize(fees, cur),
        charges=charges, discounts=discounts,
    )
    # The net follows rule 6 itself; what the components' own rounding left is `rounding`.
    net = part(lm.net)
    return LineMoney(
        line_no=portion.line_no, quantity=units, currency=cur, gross=portion.gross,
        line_discount=portion.line_discount, order_discount=portion.order_discount,
        tax=portion.tax, shipping=portion.shipping, fees=portion.fees, charges=charges,
        rounding=net - portion.net, discounts=discounts,
    )


def unit_net(lm: LineMoney, before: int = 0) -> Decimal:
    """The net of one unit of the line, the (`before`+1)-th taken."""
    return units_money(lm, 1, before).net


def totals(lines: Sequence[LineMoney], currency: str) -> LineMoney:
    """The components of several lines' money added up (line_no 0)."""
    def add(name: str) -> Decimal:
        return sum((getattr(lm, name) for lm in lines), ZERO)

    charges: dict[str, Decimal] = {}
    discounts: dict[str, Decimal] = {}
    for lm in lines:
        for k, v in lm.charges:
            charges[k] = charges.get(k, ZERO) + v
        for k, v in lm.discounts:
            discounts[k] = discounts.get(k, ZERO) + v
    return LineMoney(
        line_no=0, quantity=sum(lm.quantity for lm in lines), currency=currency,
        gross=add("gross"), line_discount=add("line_discount"),
        order_discount=add("order_discount"), tax=add("tax"), shipping=add("shipping"),
        fees=add("fees"), charges=tuple(sorted(charges.items())), rounding=add("rounding"),
        discounts=tuple(sorted(discounts.items())),
    )
