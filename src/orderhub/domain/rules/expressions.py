"""Rule conditions as CEL expressions (Common Expression Language, the safe, side-effect
free language of Kubernetes and Envoy policies), for what the typed conditions cannot say:

    order.value > 5000.0 && order.lines.exists(l, l.sku == "SKU-1" && l.quantity >= 10)

An expression is compiled once when the rule is read and evaluated against a small,
documented set of variables (FIELDS); user text is never run as Python. Names outside that
set are refused when the rule is written, and an expression is tried on a sample order
then, so type errors ("1 + 'a'") are field errors and not a surprise on live orders.

Money is exposed as `order.value` (a double in yuan, fine for comparisons at cent
precision) and `order.value_fen` (exact integer fen).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

from orderhub.domain.rules.facts import SLA_FACTS

FIELDS: dict[str, dict[str, str]] = {
    "order": {
        "id": "string", "channel": "string", "type": "string (b2c, b2b, pre_sale)",
        "sla": "string (same_day, next_day, express, standard, economy)",
        "value": "double, yuan", "value_fen": "int, fen", "units": "int",
        "province": "string (short name, e.g. 上海)", "region": "string (east, north, ...)",
        "tags": "list of SKU facts of its lines (cold_chain, category:SNACK, ...)",
        "skus": "list of SKU codes", "lines": "list of {sku, quantity}",
        "promise_slack_hours": "double: hours of slack to the end of the due date if every "
                               "step keeps its SLA target from now (negative: cannot be kept)",
        "ship_by_hours": "double: hours until the SLA's ship-by time (carrier pick-up)",
        "delivery_target_hours": "double: the service level's delivery time under the SLA",
    },
    "customer": {"tier": "string (upper case, e.g. VIP)"},
    "network": {"closed": "list of closed site codes",
                "carriers_down": "list of carrier services (and carriers) that are down"},
    # tier rules of the exception desk only
    "exception": {"kind": "string (held, anomaly, stalled, at_risk, ...)"},
    "remedy": {"kind": "string (switch_warehouse, upgrade_carrier, ...)",
               "cost_delta": "double, CNY more than the current plan",
               "delay_days": "int, days the promise moves"},
}
DESK_VARIABLES = ("exception", "remedy")
SLA_FIELDS = SLA_FACTS
LINE_FIELDS = ("sku", "quantity")
MAX_LENGTH = 1000
log = logging.getLogger(__name__)
_warned: set[str] = set()  # expressions that failed on a live order (logged once each)
_MACRO_VAR = re.compile(r"\.\s*(?:exists|all|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")
_ROOTS = "(order|customer|network|exception|remedy)"
_PATH = re.compile(r"(?<![\w.\"'])" + _ROOTS + r"\s*\.\s*([A-Za-z_]\w*)")
_LINE_VAR = re.compile(r"order\s*\.\s*lines\s*\.\s*(?:exists|all|exists_one|map|filter)\s*\(\s*"
                       r"([A-Za-z_]\w*)\s*,")
_SUBSCRIPT = re.compile(r"(?<![\w.\"'])(order|customer|network|exception|remedy)\s*\[")


_UNDEFINED = re.compile(r"Undefined variable or function: '([^']+)'")


class ExpressionError(ValueError):
    """The expression cannot be a rule condition; the message says why."""


@dataclass(frozen=True, slots=True, eq=False)
class Expression:
    source: str
    program: Any  # cel.Program
    # The fields it reads, per variable (None: the whole variable). Handing CEL only these
    # makes an evaluation ~5x cheaper: the binding converts every value it is given.
    reads: tuple[tuple[str, tuple[str, ...] | None], ...] = ()

    def __call__(self, env: Mapping[str, Any], on_error: bool = False) -> bool:
        """True when the expression holds. An order it cannot be evaluated on (a missing
        list element, an overflow, a wrong type) gets `on_error` (no match for routing
        rules; a check's scope says yes, so the check runs): one odd order must not stop
        intake."""
        try:
            return self.program.execute(self.narrow(env)) is True
        except Exception as exc:  # the binding raises many kinds
            if self.source not in _warned:
                _warned.add(self.source)
                log.warning("rule expression %r could not be evaluated on an order (%s: %s):"
                            " a routing rule does not match it, a check runs on it",
                            self.source, type(exc).__name__, exc)
            return on_error

    @property
    def reads_network(self) -> bool:
        return any(root == "network" for root, _ in self.reads)

    @property
    def reads_sla(self) -> bool:
        """It reads the order's SLA facts (order.promise_slack_hours, ...)."""
        return any(root == "order" and (names is None or set(names) & set(SLA_FIELDS))
                   for root, names in self.reads)

    @property
    def reads_desk(self) -> bool:
        """It reads the exception or the remedy: only a tier rule can."""
        return any(root in DESK_VARIABLES for root, _ in self.reads)

    def narrow(self, env: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for root, names in self.reads:
            value = env.get(root, {})
            out[root] = value if names is None else {n: value[n] for n in names if n in value}
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)


SAMPLE: dict[str, Any] = {
    "order": {"id": "ORD-SAMPLE", "channel": "web", "type": "b2c", "sla": "standard",
              "value": 100.0, "value_fen": 10000, "units": 1, "province": "上海",
              "region": "east", "tags": [], "skus": ["SKU-1"],
              "lines": [{"sku": "SKU-1", "quantity": 1}], "promise_slack_hours": 30.5,
              "ship_by_hours": 8.0, "delivery_target_hours": 48.0},
    "customer": {"tier": "NORMAL"},
    "network": {"closed": [], "carriers_down": []},
    "exception": {"kind": "held"},
    "remedy": {"kind": "switch_warehouse", "cost_delta": 0.0, "delay_days": 0},
}


def compile_expression(source: str) -> Expression:
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("a CEL expression, e.g. order.value > 10000.0")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"at most {MAX_LENGTH} characters")
    try:
        program = cel.compile(source)
    except ValueError as exc:
        raise ExpressionError(f"not valid CEL: {str(exc).splitlines()[0]}") from None
    bound = set(_MACRO_VAR.findall(source))
    unknown = sorted(set(program.variables()) - set(FIELDS) - bound)
    if unknown:
        raise ExpressionError(f"unknown name(s) {', '.join(unknown)}; the variables are "
                              f"{', '.join(FIELDS)}")
    subscript = _SUBSCRIPT.search(source)
    if subscript:
        raise ExpressionError(f"write {subscript.group(1)}.<field>, not "
                              f"{subscript.group(1)}[...]: fields are checked by name")
    for var in set(_LINE_VAR.findall(source)):
        for name in re.findall(rf"(?<![\w.]){re.escape(var)}\s*\.\s*([A-Za-z_]\w*)", source):
            if name not in LINE_FIELDS:
                raise ExpressionError(f"{var}.{name} is not a field of an order line; a line "
                                      f"has {', '.join(LINE_FIELDS)}")
    paths: dict[str, set[str]] = {}
    for root, name in _PATH.findall(source):
        if name not in FIELDS[root]:
            raise ExpressionError(f"{root}.{name} is not a field; {root} has "
                                  f"{', '.join(FIELDS[root])}")
        paths.setdefault(root, set()).add(name)
    # A variable used other than as `var.field` (indexed, passed whole) gets all its fields.
    whole = set(re.findall(r"(?<![\w.\"'])" + _ROOTS + r"\b(?!\s*\.)", source))
    reads = tuple((root, None if root in whole else tuple(sorted(paths.get(root, ()))))
                  for root in sorted(set(program.variables()) & set(FIELDS)))
    expr = Expression(source.strip(), program, reads)
    try:
        result = program.execute(expr.narrow(SAMPLE))
    except Exception as exc:  # the binding raises many kinds
        undefined = _UNDEFINED.search(str(exc))
        if undefined:
            raise ExpressionError(f"unknown function {undefined.group(1)}") from None
        raise ExpressionError(f"cannot be evaluated on a sample order: "
                              f"{str(exc).splitlines()[0]}") from None
    if not isinstance(result, bool):
        raise ExpressionError(f"must be true or false; on a sample order it gives "
                              f"{type(result).__name__}")
    return expr
