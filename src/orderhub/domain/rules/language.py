"""Rules written as controlled sentences, in Chinese or English, turned into the rule's data
(model.py) for a person to review before it is saved. A small deterministic
grammar: no model, the same sentence always gives the same rule, and a part it does not
understand is named rather than guessed.

    当订单金额大于10000且客户等级为VIP时，转人工复核
    when stock of SKU-1 in W1 is below 150, route to W2
    if the order contains cold chain SKUs and ships to 广东, never ship from WH-DX

Shape: `when|if <condition> [and <condition>...], <action> [and <action>...]`, or
`当<条件>[且<条件>...]时，<动作>[并<动作>...]` (also 如果 ... ，...). The conditions and actions
are listed in CONDITION_FORMS and ACTION_FORMS (`orderhub routing rules phrases`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orderhub.domain.money import is_known_currency
from orderhub.domain.routing.lanes import REGION_NAMES_ZH, province_key

# Chinese names people use for channels and carriers, to their codes.
CHANNEL_ALIASES = {"天猫": "tmall", "淘宝": "tmall", "京东": "jd", "抖音": "douyin",
                   "抖店": "douyin", "拼多多": "pdd", "官网": "web", "门店": "pos",
                   "b2b": "b2b"}
CARRIER_ALIASES = {"顺丰": "SF", "中通": "ZTO", "京东物流": "JD", "圆通": "YTO", "申通": "STO",
                   "韵达": "YD", "邮政": "EMS"}
ATTRIBUTE_ALIASES = {"冷链": "cold_chain", "cold chain": "cold_chain", "cold-chain": "cold_chain",
                     "chilled": "cold_chain", "危险品": "hazardous", "危化品": "hazardous",
                     "hazardous": "hazardous", "dangerous goods": "hazardous",
                     "酒类": "alcohol", "alcohol": "alcohol"}
REGION_ALIASES = {zh: code for code, zh in REGION_NAMES_ZH.items()}
CODE = r"[A-Za-z0-9][A-Za-z0-9_.:\-]*"
NUMBER = r"\d+(?:\.\d+)?"
# Amounts with their currency: "10,000", "10,000 CNY", "USD 1,500", "$1,500", "1.5k",
# 「1万元」「500美元」「人民币2000」. Without a currency the amount is in the tenant's base
# currency; with one, the rule keeps it and the order's value is converted at evaluation.
CURRENCY_WORDS = {"元": "CNY", "块": "CNY", "人民币": "CNY", "rmb": "CNY", "yuan": "CNY",
                  "美元": "USD", "美金": "USD", "$": "USD", "us$": "USD", "dollars": "USD",
                  "dollar": "USD", "欧元": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR",
                  "英镑": "GBP", "£": "GBP", "pounds": "GBP", "港元": "HKD", "港币": "HKD",
                  "hk$": "HKD", "日元": "JPY", "円": "JPY", "澳元": "AUD", "加元": "CAD",
                  "新加坡元": "SGD", "新台币": "TWD", "台币": "TWD", "韩元": "KRW",
                  "澳门元": "MOP", "澳门币": "MOP", "¥": "CNY", "￥": "CNY"}
MULTIPLIERS = {"万": 10_000, "千": 1_000, "百万": 1_000_000, "亿": 100_000_000, "k": 1_000,
               "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}
_ZH_CURRENCY = "|".join(sorted((re.escape(w) for w in CURRENCY_WORDS
                                if re.search(r"[\u4e00-\u9fff]", w)), key=len, reverse=True))
MONEY_EN = (r"(?:(?P<c1>[A-Za-z]{3}|US\$|HK\$|[$€£¥￥])\s?)?(?P<n>\d[\d,]*(?:\.\d+)?)"
            r"(?:\s?(?P<k>k|thousand|million|m)\b)?"
            r"(?:\s?(?P<c2>[A-Za-z]{3}|yuan|rmb|dollars?|euros?|pounds))?")
MONEY_ZH = (rf"(?:(?P<c1>人民币|[A-Za-z]{{3}}|[$¥￥])\s?)?(?P<n>\d[\d,]*(?:\.\d+)?)"
            rf"(?P<k>百万|万|千|亿)?\s?(?P<c2>{_ZH_CURRENCY}|[A-Za-z]{{3}})?")


@dataclass
class Parsed:
    when: dict[str, Any] = field(default_factory=dict)
    then: dict[str, Any] = field(default_factory=dict)
    not_understood: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # parts understood but unusable
    language: str = "en"

    def rule(self, code: str, description: str) -> dict[str, Any]:
        then = dict(self.then)
        if then.get("notify_to"):  # the message people get is the sentence itself
            then["notify"] = description[:200]
        return {"code": code, "description": description, "when": self.when, "then": then}


def _number(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # the patterns only match digits; kept for safety
        return Decimal(0)


def _list(existing: Any, value: str) -> list[str]:
    out = list(existing or [])
    if value not in out:
        out.append(value)
    return out


# A setter fills the rule from one matched part, or says why the part cannot be used
# (it conflicts with an earlier part: a rule holds one value of these).
Setter = Callable[[Parsed, re.Match[str]], str | None]


def _once(target: dict[str, Any], key: str, value: Any) -> str | None:
    if key in target and target[key] != value:
        return f"conflicts with an earlier part: a rule has one {key.replace('_', ' ')}"
    target[key] = value
    return None


def _tier(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"]
    if not (v.isupper() or v.upper() in ("VIP", "SVIP")):
        return f"'{v}' is not a customer tier (tiers are codes such as VIP, SVIP)"
    p.when["customer_tier"] = _list(p.when.get("customer_tier"), v.upper())
    return None


def _channel(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].strip()
    p.when["channel"] = _list(p.when.get("channel"), CHANNEL_ALIASES.get(v, v.lower()))
    return None


def _destination(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].strip()
    p.when["destination"] = _list(p.when.get("destination"),
                                  REGION_ALIASES.get(v, province_key(v)))
    return None


def _attribute(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].strip().lower()
    return _once(p.when, "sku_attribute", ATTRIBUTE_ALIASES.get(v, v.replace(" ", "_")))


def _carrier(v: str) -> str:
    """A carrier (ZTO, 中通) or one of its services (ZTO:standard) as the network names it."""
    carrier, _, service = v.strip().partition(":")
    code = CARRIER_ALIASES.get(carrier, carrier.upper())
    return f"{code}:{service.lower()}" if service else code


def _carrier_down(p: Parsed, m: re.Match[str]) -> str | None:
    p.when["carrier_down"] = _list(p.when.get("carrier_down"), _carrier(m["v"]))
    return None


def money_of(m: re.Match[str]) -> tuple[Decimal, str, str | None]:
    """(amount, currency code or "" for the base currency, problem) of a MONEY_* match."""
    amount = _number(m["n"].replace(",", ""))
    factor = MULTIPLIERS.get((m.groupdict().get("k") or "").lower())
    if factor:
        amount *= factor
    words = [w for w in (m.groupdict().get("c1"), m.groupdict().get("c2")) if w]
    codes = []
    for w in words:
        code = CURRENCY_WORDS.get(w.lower(), CURRENCY_WORDS.get(w, w.upper()))
        if not is_known_currency(code):
            return amount, "", f"'{w}' is not a currency (ISO 4217 codes such as CNY, USD)"
        codes.append(code)
    if len(set(codes)) > 1:
        return amount, "", "the amount names two currencies"
    return amount, (codes[0] if codes else ""), None


def _money_condition(p: Parsed, m: re.Match[str], key: str) -> str | None:
    amount, currency, problem = money_of(m)
    if problem:
        return problem
    if currency:
        conflict = _once(p.when, "value_currency", currency)
        if conflict:
            return "a rule's amounts are in one currency"
    return _once(p.when, key, format(amount.normalize(), "f"))


def _above(p: Parsed, m: re.Match[str]) -> str | None:
    return _money_condition(p, m, "order_value_above")


def _at_least(p: Parsed, m: re.Match[str]) -> str | None:
    return _money_condition(p, m, "min_order_value")


def _units(p: Parsed, m: re.Match[str]) -> str | None:
    return _once(p.when, "min_units", int(m["n"]))


def _order_type(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].lower().replace("-", "_").replace("presale", "pre_sale").replace("预售", "pre_sale")
    p.when["order_type"] = _list(p.when.get("order_type"), v)
    return None


def _stock(p: Parsed, m: re.Match[str]) -> str | None:
    return _once(p.when, "stock_below",
                 {"sku": m["sku"], "site": m["site"], "units": int(m["n"])})


def _sla(p: Parsed, m: re.Match[str]) -> str | None:
    v = {"次日达": "next_day", "当日达": "same_day", "特快": "express"}.get(m["v"], m["v"])
    p.when["sla"] = _list(p.when.get("sla"), v.lower().replace(" ", "_").replace("-", "_"))
    return None


def _slack(p: Parsed, m: re.Match[str]) -> str | None:
    return _once(p.when, "slack_below_hours", str(_number(m["n"])))


def _late(p: Parsed, m: re.Match[str]) -> str | None:
    return _once(p.when, "slack_below_hours", "0")


# The exception desk's kinds as people say them (tier rules).
EXCEPTION_ALIASES = {"held": "held", "on hold": "held", "挂起": "held", "暂停": "held",
                     "stalled": "stalled", "停滞": "stalled", "卡住": "stalled",
                     "at risk": "at_risk", "at-risk": "at_risk", "有风险": "at_risk",
                     "延误风险": "at_risk", "anomaly": "anomaly", "fraud": "anomaly",
                     "欺诈": "anomaly", "异常检测": "anomaly", "刷单": "anomaly",
                     "carrier failure": "carrier_failure", "承运商故障": "carrier_failure",
                     "reservation expired": "reservation_expired",
                     "预占过期": "reservation_expired",
                     "channel update conflict": "channel_update_conflict",
                     "渠道变更冲突": "channel_update_conflict",
                     "compensation": "compensation", "补偿": "compensation"}
REMEDY_ALIASES = {"switch warehouse": "switch_warehouse", "换仓": "switch_warehouse",
                  "split shipment": "split_shipment", "split the shipment": "split_shipment",
                  "拆单": "split_shipment", "upgrade carrier": "upgrade_carrier",
                  "upgrade the carrier": "upgrade_carrier", "升级快递": "upgrade_carrier",
                  "backorder": "ship_available_backorder_rest",
                  "ship available and backorder the rest": "ship_available_backorder_rest",
                  "先发有货部分": "ship_available_backorder_rest",
                  "substitute sku": "substitute_sku", "substitute": "substitute_sku",
                  "替换商品": "substitute_sku", "transfer stock": "transfer_stock",
                  "调拨": "transfer_stock", "recall and reroute": "recall_and_reroute",
                  "召回改派": "recall_and_reroute", "contact customer": "contact_customer",
                  "contact the customer": "contact_customer", "联系客户": "contact_customer",
                  "cancel and refund": "cancel_and_refund", "取消退款": "cancel_and_refund"}
TIER_ALIASES = {"automatically": "L1", "自动处理": "L1", "自动执行": "L1",
                "two approvers": "L2", "four-eyes": "L2", "双人审批": "L2",
                "a person": "L3", "人工决定": "L3", "仅限人工": "L3"}


def _alias(aliases: dict[str, str], v: str) -> str:
    v = v.strip()
    return aliases.get(v.lower(), aliases.get(v, v.lower().replace(" ", "_").replace("-", "_")))


def _exception_kind(p: Parsed, m: re.Match[str]) -> str | None:
    p.when["exception_kind"] = _list(p.when.get("exception_kind"),
                                     _alias(EXCEPTION_ALIASES, m["v"]))
    return None


def _remedy_kind(p: Parsed, m: re.Match[str]) -> str | None:
    p.when["remedy_kind"] = _list(p.when.get("remedy_kind"), _alias(REMEDY_ALIASES, m["v"]))
    return None


def _max_cost(p: Parsed, m: re.Match[str]) -> str | None:
    return _once(p.when, "max_cost_delta", str(_number(m["n"])))


def _max_delay(p: Parsed, m: re.Match[str]) -> str | None:
    return _once(p.when, "max_delay_days", int(m["n"]) if m.groupdict().get("n") else 0)


def _tier_action(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].strip()
    return _once(p.then, "tier", v.upper() if v.upper() in ("L1", "L2", "L3")
                 else _alias(TIER_ALIASES, v))


def _hold(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["hold"] = "manual review"
    return None


def _route_to(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["only_sites"] = _list(p.then.get("only_sites"), m["site"])
    p.then["waive_if_empty"] = True
    return None


def _only_from(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["only_sites"] = _list(p.then.get("only_sites"), m["site"])
    return None


def _exclude(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["exclude_sites"] = _list(p.then.get("exclude_sites"), m["site"])
    return None


def _prefer(p: Parsed, m: re.Match[str]) -> str | None:
    conflict = _once(p.then, "bonus", m["n"] if m.groupdict().get("n") else "10")
    if conflict:
        return "a rule prefers its sites by one bonus; write one 'prefer X and Y by N'"
    p.then["prefer_sites"] = _list(p.then.get("prefer_sites"), m["site"])
    return None


def _no_carrier(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["exclude_carriers"] = _list(p.then.get("exclude_carriers"), _carrier(m["v"]))
    return None


def _use_carrier(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["only_carriers"] = _list(p.then.get("only_carriers"), _carrier(m["v"]))
    return None


def _same_day(p: Parsed, m: re.Match[str]) -> str | None:
    p.then["require_same_day"] = True
    p.then["waive_if_empty"] = True
    return None


def _capability(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].strip().lower().replace("b2b pallets", "b2b_pallet").replace("b2b pallet",
                                                                             "b2b_pallet")
    return _once(p.then, "require_capability", ATTRIBUTE_ALIASES.get(v, v.replace(" ", "_")))


TEAM_ALIASES = {"运营": "ops", "客服": "customer-service", "仓库": "warehouse",
                "财务": "finance", "大客户部": "key-accounts", "风控": "risk"}


def _notify(p: Parsed, m: re.Match[str]) -> str | None:
    v = m["v"].strip()
    p.then["notify_to"] = _list(p.then.get("notify_to"), TEAM_ALIASES.get(v, v.lower()))
    return None


def _forms(*pairs: tuple[str, Setter]) -> list[tuple[re.Pattern[str], Setter]]:
    return [(re.compile(rf"^(?:{pattern})$", re.IGNORECASE), fn) for pattern, fn in pairs]


CONDITION_FORMS = _forms(
    (rf"(?:the )?(?:order )?(?:amount|value|total) (?:is )?(?:greater than|more than|over|"
     rf"above|>) {MONEY_EN}", _above),
    (rf"(?:the )?(?:order )?(?:amount|value|total) (?:is )?(?:at least|>=) {MONEY_EN}",
     _at_least),
    (rf"(?:the )?order (?:is )?(?:worth )?(?:over|above|more than) {MONEY_EN}", _above),
    (rf"(?:订单)?(?:金额|总额|总价)(?:大于|超过|高于|>)\s?{MONEY_ZH}", _above),
    (rf"(?:订单)?(?:金额|总额|总价)(?:不低于|不少于|至少|>=)\s?{MONEY_ZH}", _at_least),
    (r"(?:the )?customer (?:tier|level) is (?P<v>\w+)", _tier),
    (r"(?P<v>\w+) customers?", _tier),
    (r"客户(?:等级|级别)(?:为|是)(?P<v>\w+)", _tier),
    (r"(?:the )?(?:order )?channel is (?P<v>[\w-]+)", _channel),
    (r"(?:the )?order comes from (?P<v>[\w-]+)", _channel),
    (r"渠道(?:为|是)(?P<v>[\w\u4e00-\u9fff]+)", _channel),
    (r"(?:the order )?ships to (?P<v>[\w\u4e00-\u9fff]+)", _destination),
    (r"(?:the )?destination is (?P<v>[\w\u4e00-\u9fff]+)", _destination),
    (r"(?:收货地|目的地|收货省份)(?:为|是|在)(?P<v>[\u4e00-\u9fff\w]+)", _destination),
    (r"发往(?P<v>[\u4e00-\u9fff\w]+)", _destination),
    (r"(?:the )?order contains (?P<v>[\w -]+?) (?:skus?|items?|goods|products)", _attribute),
    (r"(?:the )?sku is (?P<v>[\w -]+)", _attribute),
    (r"(?:订单)?(?:含|包含|有)(?P<v>[\u4e00-\u9fff]+?)(?:商品|货品|sku)", _attribute),
    (r"(?:the )?order has at least (?P<n>\d+) units", _units),
    (r"(?:订单)?(?:件数|数量)(?:不少于|至少|>=)(?P<n>\d+)(?:件)?", _units),
    (r"(?:the )?order type is (?P<v>b2b|b2c|pre[-_ ]?sale)", _order_type),
    (r"(?P<v>b2b|b2c|pre[-_ ]?sale) orders?", _order_type),
    (r"(?P<v>B2B|B2C|预售)订单", _order_type),
    (r"订单类型(?:为|是)(?P<v>B2B|B2C|预售)", _order_type),
    (rf"(?:the )?stock of (?P<sku>{CODE}) (?:in|at) (?P<site>{CODE}) is (?:below|under|less than)"
     rf" (?P<n>\d+)", _stock),
    (rf"(?P<sku>{CODE})(?:在|于)(?P<site>{CODE})的库存(?:低于|少于|小于)(?P<n>\d+)", _stock),
    (r"(?:the )?service level is (?P<v>same[ _-]day|next[ _-]day|express|standard|economy)",
     _sla),
    (r"(?P<v>次日达|当日达|特快)订单", _sla),
    (rf"(?:the )?(?:promise |sla )?slack (?:to the promise )?is (?:under|below|less than)"
     rf" (?P<n>{NUMBER}) ?(?:hours?|h)", _slack),
    (rf"(?:the order )?has (?:less than|under) (?P<n>{NUMBER}) ?(?:hours?|h) of slack", _slack),
    (r"(?:the )?promise (?:is already impossible|cannot be kept)(?: under the sla)?", _late),
    # ("小时?": in "如果…24小时，…" the sentence's own 时 takes the last character)
    (rf"(?:交付)?(?:承诺|时效)余量(?:少于|低于|小于|不足)(?P<n>{NUMBER})(?:个)?小时?", _slack),
    (r"(?:交付)?(?:承诺|时效)(?:已)?无法(?:兑现|达成|满足)", _late),
    # tier rules (the exception desk)
    (r"(?:the )?exception is (?:an? )?(?P<v>[\w -]+?)(?: exception)?", _exception_kind),
    (r"(?P<v>[\w -]+?) exceptions?", _exception_kind),
    (r"异常(?:类型)?(?:为|是)(?P<v>[\u4e00-\u9fff]+)", _exception_kind),
    (r"(?:the )?remedy is (?:to )?(?P<v>[\w -]+)", _remedy_kind),
    (r"(?:补救|处理)(?:方案|措施)(?:为|是)(?P<v>[\u4e00-\u9fff]+)", _remedy_kind),
    (rf"(?:the remedy |it )?costs? at most (?P<n>{NUMBER})(?: ?(?:cny|yuan|元))?(?: more)?",
     _max_cost),
    (rf"(?:补救)?(?:成本|费用)(?:增加)?(?:不超过|不高于|最多)(?P<n>{NUMBER})(?:元)?", _max_cost),
    (r"(?:the promise is not later|it does not delay the promise|no later promise)",
     _max_delay),
    (r"(?:the promise moves|it delays the promise) (?:by )?at most (?P<n>\d+) days?",
     _max_delay),
    (r"不(?:推迟|延后)承诺(?:日期)?", _max_delay),
    (r"承诺(?:推迟|延后)(?:不超过|最多)(?P<n>\d+)天", _max_delay),
    (r"(?:the )?(?:carrier )?(?P<v>[\w:]+) is (?:down|out of service|unavailable)",
     _carrier_down),
    (r"(?P<v>[\u4e00-\u9fff\w:]+?)(?:停运|故障|不可用|停摆)", _carrier_down),
)

ACTION_FORMS = _forms(
    (r"(?:hold (?:it |the order )?for|send (?:it |the order )?to|needs?) manual review", _hold),
    (r"hold (?:it|the order)", _hold),
    (r"(?:转|送|交)?人工(?:复核|审核|审查)", _hold),
    (rf"route (?:it |the order )?to (?P<site>{CODE})", _route_to),
    (rf"(?:路由到|发往|转到|分配到)(?P<site>{CODE})", _route_to),
    (rf"only ship from (?P<site>{CODE})", _only_from),
    (rf"只从(?P<site>{CODE})发货", _only_from),
    (rf"(?:never|do not|don't) ship (?:it )?from (?P<site>{CODE})", _exclude),
    (rf"exclude (?P<site>{CODE})", _exclude),
    (rf"(?:不从|禁止从|不要从)(?P<site>{CODE})发货", _exclude),
    (rf"prefer (?P<site>{CODE})(?: by (?P<n>{NUMBER}))?", _prefer),
    (rf"优先(?:从)?(?P<site>{CODE})(?:发货)?", _prefer),
    (r"(?:do not|don't|never) use (?P<v>[\w:]+)", _no_carrier),
    (r"(?:不用|不使用|禁用)(?P<v>[\u4e00-\u9fff\w:]+)", _no_carrier),
    (r"(?:use|ship with|only use) (?:carrier )?(?P<v>[\w:]+)", _use_carrier),
    (r"(?:改用|使用|用|走|只用)(?P<v>[\u4e00-\u9fff\w:]+?)(?:发货|配送|快递)?", _use_carrier),
    (r"(?:make it|tier|approval tier is) (?P<v>L[123])", _tier_action),
    (r"(?:apply it |it is applied )?(?P<v>automatically)", _tier_action),
    (r"(?:it )?needs (?P<v>two approvers|four-eyes)", _tier_action),
    (r"only (?P<v>a person) decides", _tier_action),
    (r"(?:审批级别为|级别为|定为)?(?P<v>L[123])(?:级)?", _tier_action),
    (r"(?P<v>自动处理|自动执行|双人审批|人工决定|仅限人工)", _tier_action),
    (r"only (?:from )?sites that can ship today", _same_day),
    (r"(?:只从|仅从)?当日可发货的仓(?:库)?(?:发货)?", _same_day),
    (r"(?:require|needs?) (?P<v>cold chain|hazardous|b2b pallets?|pickup)", _capability),
    (r"(?:notify|tell|alert) (?:the )?(?P<v>[\w-]+)(?: team)?", _notify),
    (r"(?:通知|提醒|告知)(?P<v>[\u4e00-\u9fff\w-]+?)(?:团队|部门)?", _notify),
)

_EN = re.compile(r"^\s*(?:when|if)\s+(?P<c>.+?)(?:\s*,(?!\d{3})\s*(?:then\s+)?|\s+then\s+)"
                 r"(?P<a>.+?)\s*[.!]?\s*$",
                 re.IGNORECASE | re.DOTALL)
_ZH = re.compile(r"^\s*(?:当|如果|若)(?P<c>.+?)(?:时|的话)?\s*(?:，|,(?!\d{3}))\s*(?:则|就)?"
                 r"(?P<a>.+?)\s*[。！]?\s*$", re.DOTALL)


def _split(text: str, words: str) -> list[str]:
    return [part.strip() for part in re.split(words, text) if part.strip()]


def _apply(parsed: Parsed, parts: list[str], forms: list[tuple[re.Pattern[str], Setter]]
           ) -> None:
    for part in parts:
        for pattern, setter in forms:
            m = pattern.match(part)
            if m:
                problem = setter(parsed, m)
                if problem:
                    parsed.conflicts.append(f"cannot use '{part}': {problem}")
                break
        else:
            parsed.not_understood.append(part)


def parse_sentence(text: str) -> Parsed:
    """The rule a sentence describes; `not_understood` lists the parts it could not read."""
    text = text.strip()
    zh = _ZH.match(text)
    en = None if zh else _EN.match(text)
    parsed = Parsed(language="zh" if zh else "en")
    if zh:
        _apply(parsed, _split(zh["c"], r"且|并且|而且|和|同时"), CONDITION_FORMS)
        _apply(parsed, _split(zh["a"], r"并且|并|且|，|,"), ACTION_FORMS)
    elif en:
        _apply(parsed, _split(en["c"], r"\s+and\s+"), CONDITION_FORMS)
        _apply(parsed, _split(en["a"], r"\s+and\s+|\s*,\s*"), ACTION_FORMS)
    else:
        parsed.not_understood.append(text)
    return parsed


def phrases() -> dict[str, list[str]]:
    """The sentence parts the grammar understands, for help texts."""
    return {"conditions": [p.pattern[4:-2] for p, _ in CONDITION_FORMS],
            "actions": [p.pattern[4:-2] for p, _ in ACTION_FORMS]}
