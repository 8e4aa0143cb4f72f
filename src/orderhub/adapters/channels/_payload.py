"""Small JSON, money, time and signature helpers shared by the JSON channel adapters.

Every helper names the offending field in its PayloadError, so a refused webhook says what
was wrong where.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import orjson

from orderhub.adapters.channels.base import (
    PayloadError,
    SignatureError,
)
from orderhub.adapters.currency_names import currency_from_text
from orderhub.domain.order import Charge

JsonObject = dict[str, Any]

ZERO = Decimal(0)
# China has kept UTC+8 without daylight saving since 1991; a fixed offset needs no tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def load_object(body: bytes, what: str) -> JsonObject:
    """Decode `body` as one JSON object or raise PayloadError."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise PayloadError(f"expected a JSON object ({what}), got {json_type(data)}")
    return data


def join(path: str, key: str) -> str:
    """A field path such as `line_items[0].price`."""
    return f"{path}.{key}" if path else key


def obj_at(data: JsonObject, key: str, path: str = "") -> JsonObject | None:
    """An optional nested object: None when absent or null."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise PayloadError(f"expected an object, got {json_type(value)}", join(path, key))
    return value


def require_obj(data: JsonObject, key: str, path: str = "") -> JsonObject:
    """A required nested object."""
    value = obj_at(data, key, path)
    if value is None:
        raise PayloadError("is missing", join(path, key))
    return value


def list_at(data: JsonObject, key: str, path: str = "") -> list[Any]:
    """An optional array: empty when absent or null."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"expected an array, got {json_type(value)}", join(path, key))
    return value


def objects_at(data: JsonObject, key: str, path: str = "", *, required: bool) -> list[JsonObject]:
    """An array of objects; `required` means absent or empty is an error."""
    items = list_at(data, key, path)
    if required and not items:
        raise PayloadError("an order needs at least one line", join(path, key))
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            where = f"{join(path, key)}[{i}]"
            raise PayloadError(f"expected an object, got {json_type(item)}", where)
    return items


def text_at(data: JsonObject, key: str, path: str = "") -> str:
    """An optional text field ("" when absent); numbers are accepted as their digits."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise PayloadError(f"expected a string, got {json_type(value)}", join(path, key))


def id_at(data: JsonObject, key: str, path: str = "") -> str:
    """A required identifier given as a string or an integer."""
    if data.get(key) is None:
        raise PayloadError("is missing", join(path, key))
    value = text_at(data, key, path)
    if not value:
        raise PayloadError("must not be empty", join(path, key))
    return value


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def decimal_of(value: Any, path: str) -> Decimal:
    """A JSON number or decimal string as Decimal (a float goes through its shortest repr)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"expected an amount, got {json_type(value)}", path)
    text = value.strip() if isinstance(value, str) else repr(value)
    if not _NUMBER.fullmatch(text):
        raise PayloadError(f"'{value}' is not a number", path)
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise PayloadError(f"'{value}' is not a number", path) from exc


def decimal_at(
    data: JsonObject, key: str, path: str = "", default: Decimal | None = None
) -> Decimal:
    """An amount field; absent, null or "" gives `default` or an error when it is None."""
    value = data.get(key)
    if value is None or value == "":
        if default is None:
            raise PayloadError("is missing", join(path, key))
        return default
    return decimal_of(value, join(path, key))


def price_at(data: JsonObject, key: str, path: str = "", default: Decimal | None = None) -> Decimal:
    """An amount that must not be negative."""
    value = decimal_at(data, key, path, default)
    if value < 0:
        raise PayloadError(f"must not be negative ({value})", join(path, key))
    return value


def quantity_of(value: Any, path: str) -> int:
    """A positive whole quantity (an integral JSON number or a string of digits)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"expected a whole number, got {value!r}", path)
    if value <= 0:
        raise PayloadError(f"must be a positive whole number, got {value}", path)
    return value


def quantity_at(data: JsonObject, key: str, path: str = "") -> int:
    """A required positive quantity field."""
    if data.get(key) is None:
        raise PayloadError("is missing", join(path, key))
    return quantity_of(data[key], join(path, key))


def currency_of(value: Any, path: str) -> str:
    """An ISO 4217 code, upper-cased; a currency written as a name or sign (RMB, 人民币,
    US$, HK$) is read as its code (adapters/currency_names.py). Three letters that are no
    currency are kept as written (intake holds the order)."""
    code = currency_from_text(value) if isinstance(value, str) else ""
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise PayloadError(f"expected an ISO 4217 currency code, got {value!r}", path)
    return code


def iso_time(value: Any, path: str, naive_tz: tzinfo = UTC) -> datetime:
    """An ISO 8601 date-time as aware UTC; a naive value is read in `naive_tz`."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"expected an ISO 8601 date-time, got {value!r}", path)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise PayloadError(f"'{value}' is not an ISO 8601 date-time", path) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_tz)
    if not 1970 <= moment.year <= 2200:
        raise PayloadError(f"'{value}' lies outside the years 1970-2200", path)
    return moment.astimezone(UTC)


def unix_time(value: Any, path: str) -> datetime:
    """Unix seconds (a number or a string of digits) as aware UTC."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PayloadError(f"expected unix seconds, got {value!r}", path)
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise PayloadError(f"{value} is out of range for unix seconds", path) from exc


def places(amount: Decimal) -> int:
    """Decimal places as written (trailing zeros count: 10.00 has 2)."""
    exponent = amount.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def split_line(gross: Decimal, quantity: int, net: Decimal) -> tuple[Decimal, Decimal]:
    """Unit price and discount so that unit * quantity - discount == net exactly.

    The unit price is `gross / quantity` rounded up at the amounts' precision (so the
    discount is never negative, even when the net is above the list price).
    """
    step = Decimal(1).scaleb(-max(places(gross), places(net), 2))
    unit = (max(gross, net) / quantity).quantize(step, rounding=ROUND_CEILING)
    return unit, unit * quantity - net


def person_name(first: str, last: str) -> str:
    """Given and family name as the buyer would write them (CJK: family name first)."""
    if re.search(r"[\u3400-\u9fff]", first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def header_value(headers: Mapping[str, str], name: str) -> str:
    """A header's value, matched case-insensitively ("" when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip()
    return ""


def require_header(headers: Mapping[str, str], name: str) -> str:
    """A header that must be present and not empty."""
    value = header_value(headers, name)
    if not value:
        raise SignatureError(f"missing {name} header")
    return value


def require_secret(secret: str) -> None:
    """Refuse to check a signature against an empty secret."""
    if not secret:
        raise SignatureError("no signing secret is configured for this channel")


def split_app_secret(app_key: str, secret: str, channel: str) -> tuple[str, str]:
    """(app_key, app_secret): the adapter's own app key, or a secret "app_key:app_secret"."""
    require_secret(secret)
    if app_key:
        return app_key, secret
    key, sep, app_secret = secret.partition(":")
    if not sep or not key or not app_secret:
        raise SignatureError(
            f"{channel} signatures include the app key: configure the secret as "
            "'app_key:app_secret' or construct the adapter with app_key"
        )
    return key, app_secret


def compare_signature(given: str, expected: str, name: str) -> None:
    """Constant-time comparison; raise SignatureError on mismatch."""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise SignatureError(f"{name} does not match the payload")


def hmac_sha256_b64(secret: str, message: bytes) -> str:
    """base64(HMAC-SHA256(secret, message))."""
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_hmac_b64(body: bytes, headers: Mapping[str, str], secret: str, name: str) -> None:
    """Check header `name` = base64(HMAC-SHA256(secret, raw body))."""
    require_secret(secret)
    given = require_header(headers, name)
    compare_signature(given, hmac_sha256_b64(secret, body), name)


def put(attributes: dict[str, str], key: str, value: Any) -> None:
    """Record a non-empty scalar as a string attribute."""
    if value is None or value == "" or isinstance(value, dict | list):
        return
    if isinstance(value, bool):
        attributes[key] = "true" if value else "false"
    else:
        attributes[key] = str(value)


# ----- buyer declarations and customs data -------------------------------------------------

CROSS_BORDER_KEY = "cross_border"
DECLARED_VALUE_KEY = "declared_value"
HS_CODE_KEY = "hs_code"
ORIGIN_COUNTRY_KEY = "origin_country"
TRUE_TEXTS = frozenset({"true", "1"})  # values of `cross_border` that mean yes


@dataclass(frozen=True, slots=True)
class Declarations:
    """What a channel's name/value list on the order says: attributes and customs facts."""

    attributes: dict[str, str] = field(default_factory=dict)
    cross_border: bool = False
    declared_value: Decimal | None = None


def declarations(
    entries: list[JsonObject], path: str, name_key: str, *, skip_private: bool = False
) -> Declarations:
    """Name/value pairs (Shopify `note_attributes`, WooCommerce `meta_data`) as attributes.

    Every entry with a name and a scalar value becomes `attributes[name] = str(value)`;
    `cross_border` ("true" or "1", any case) and `declared_value` (an amount, not negative)
    also set the order fields. `skip_private` leaves out names starting with "_".
    """
    attributes: dict[str, str] = {}
    cross_border = False
    declared_value: Decimal | None = None
    for i, entry in enumerate(entries):
        where = f"{path}[{i}]"
        name = text_at(entry, name_key, where)
        if not name or (skip_private and name.startswith("_")):
            continue
        value = entry.get("value")
        put(attributes, name, value)
        if name == CROSS_BORDER_KEY:
            cross_border = attributes.get(name, "").strip().lower() in TRUE_TEXTS
        elif name == DECLARED_VALUE_KEY and value not in (None, ""):
            declared_value = decimal_of(value, f"{where}.value")
            if declared_value < 0:
                raise PayloadError(f"must not be negative ({declared_value})", f"{where}.value")
    return Declarations(attributes, cross_border, declared_value)


def line_customs(entries: list[JsonObject], path: str, name_key: str) -> tuple[str, str]:
    """(hs_code, origin_country) from a line's name/value list ("" where not given)."""
    hs_code = origin_country = ""
    for i, entry in enumerate(entries):
        where = f"{path}[{i}]"
        name = text_at(entry, name_key, where)
        if name == HS_CODE_KEY:
            hs_code = text_at(entry, "value", where)
        elif name == ORIGIN_COUNTRY_KEY:
            origin_country = text_at(entry, "value", where).upper()
    return hs_code, origin_country


# ----- components of the channel's total (domain/order.Charge) ----------------------------
# Words in a fee's name (English and Chinese, lower case) to its canonical kind.
FEE_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("insurance", "insure", "保险", "运费险"), "fee:insurance"),
    (("packag", "gift wrap", "wrapping", "包装", "礼盒"), "fee:packaging"),
    (("cod", "cash on delivery", "货到付款", "代收"), "fee:cod"),
    (("handling", "处理费", "手续费"), "fee:handling"),
    (("service", "服务费"), "fee:service"),
    (("small order", "小额"), "fee:small_order"),
    (("duty", "duties", "customs", "tariff", "关税", "税费"), "duty"),
    (("tip", "gratuity", "小费"), "tip"),
)


def fee_kind(name: str, amount: Decimal) -> str:
    """The canonical kind of a fee line the channel names freely ("Insurance", "COD fee",
    「包装费」): a negative one is the seller's discount, whatever it is called."""
    if amount < 0:
        return "discount:seller"
    text = name.strip().lower()
    for words, kind in FEE_KINDS:
        if any(w in text for w in words) and not (kind == "fee:cod" and "code" in text):
            return kind
    return "fee:other"


def charge(kind: str, amount: Decimal, label: str = "") -> Charge | None:
    """A component, or None for a zero amount (nothing to count)."""
    return Charge(kind, amount, label) if amount else None


def spread_over(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` in shares proportional to `weights` (to the cent; the last takes the
    remainder), e.g. a platform subsidy stated on the order over the lines' discounts."""
    base = sum(weights, ZERO)
    if not weights or base <= 0:
        return [ZERO for _ in weights]
    step = Decimal(1).scaleb(-max(places(total), 2))
    shares = [(total * w / base).quantize(step, ROUND_FLOOR) for w in weights[:-1]]
    shares.append(total - sum(shares, ZERO))
    return shares


def unwrap_response(data: JsonObject, response: str, key: str, api: str,
                    messages: tuple[str, ...]) -> tuple[JsonObject, str]:
    """The object `key` of a TOP-style API answer (Taobao, Pinduoduo): inside
    `{response: {key: ...}}`, or `{key: ...}`, or the bare object; an `error_response` is
    refused with the platform's first message field that says something."""
    error = obj_at(data, "error_response")
    if error is not None:
        message = next((m for m in (text_at(error, k) for k in messages) if m), "")
        raise PayloadError(f"{api} error: {message}", "error_response")
    wrapper = obj_at(data, response)
    if wrapper is not None:
        inner = obj_at(wrapper, key, response)
        if inner is None:
            raise PayloadError("is missing", f"{response}.{key}")
        return inner, f"{response}.{key}"
    inner = obj_at(data, key)
    if inner is not None:
        return inner, key
    return data, ""
