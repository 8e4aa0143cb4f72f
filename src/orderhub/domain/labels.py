"""Shipping documents (发货单据): carrier label layouts as data, their validation, and what a
label and a packing list say for one shipment. Pure: no files, no clock, no rendering
(the PDF and ZPL renderers are `adapters/labels/`).

A layout is a versioned document per carrier (`"default"` for carriers without one):

    {"carrier": "SF", "version": 1, "name": "...",
     "size": {"width_mm": 100, "height_mm": 150},
     "logo": {"text": "顺丰速运", "x_mm": 5, "y_mm": 4, "size_pt": 16},
     "barcode": {"type": "code128", "x_mm": 6, "y_mm": 16, "height_mm": 18,
                 "module_mm": 0.33, "human_readable": true},
     "fields": [{"name": "receiver_name", "label": "收", "x_mm": 5, "y_mm": 48,
                 "size_pt": 12, "wrap": 0}, ...]}

Positions are millimetres from the top-left corner (as label designers and ZPL's ^FO
count), sizes in points. Field names are those of `FIELDS`; anything else is refused with
the path of the offending entry (422 at the API).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput

DEFAULT_CARRIER = "default"
LAYOUT_SCHEMA_VERSION = 1  # the document format above; `version` is the layout's own

# Every value a label can print: name -> (English, Chinese) captions.
FIELDS: dict[str, tuple[str, str]] = {
    "waybill": ("Waybill", "运单号"),
    "carrier": ("Carrier", "承运商"),
    "service": ("Service", "服务"),
    "order_id": ("Order", "订单号"),
    "external_id": ("Channel order", "渠道单号"),
    "channel": ("Channel", "渠道"),
    "shipment_id": ("Shipment", "包裹号"),
    "warehouse": ("Warehouse", "发货仓"),
    "sender_name": ("Sender", "寄件人"),
    "sender_address": ("Sender address", "寄件地址"),
    "receiver_name": ("Receiver", "收件人"),
    "receiver_phone": ("Phone", "电话"),
    "receiver_address": ("Receiver address", "收件地址"),
    "receiver_postal_code": ("Postal code", "邮编"),
    "pieces": ("Pieces", "件数"),
    "contents": ("Contents", "内件"),
    "order_date": ("Order date", "下单日期"),
}
BARCODE_TYPES = ("code128",)
MAX_FIELDS = 40


class DocumentKind(StrEnum):
    LABEL = "label"
    PACKING_LIST = "packing_list"


class DocumentFormat(StrEnum):
    PDF = "pdf"
    ZPL = "zpl"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    x_mm: float
    y_mm: float
    size_pt: float = 10.0
    label: str = ""  # printed before the value ("收件人: ...")
    wrap: int = 0  # characters per line; 0: one line


@dataclass(frozen=True, slots=True)
class BarcodeSpec:
    type: str
    x_mm: float
    y_mm: float
    height_mm: float
    module_mm: float = 0.33  # the narrowest bar
    human_readable: bool = True


@dataclass(frozen=True, slots=True)
class LogoSpec:
    text: str
    x_mm: float
    y_mm: float
    size_pt: float = 14.0


@dataclass(frozen=True, slots=True)
class LabelLayout:
    carrier: str
    version: int
    name: str
    width_mm: float
    height_mm: float
    barcode: BarcodeSpec
    fields: tuple[FieldSpec, ...]
    logo: LogoSpec | None = None
    zpl_font: str = "E:ANMDS.TTF"  # a printer-resident CJK font (Zebra's Simplified Chinese)

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "carrier": self.carrier, "version": self.version, "name": self.name,
            "size": {"width_mm": self.width_mm, "height_mm": self.height_mm},
            "barcode": {"type": self.barcode.type, "x_mm": self.barcode.x_mm,
                        "y_mm": self.barcode.y_mm, "height_mm": self.barcode.height_mm,
                        "module_mm": self.barcode.module_mm,
                        "human_readable": self.barcode.human_readable},
            "fields": [{"name": f.name, "x_mm": f.x_mm, "y_mm": f.y_mm, "size_pt": f.size_pt,
                        "label": f.label, "wrap": f.wrap} for f in self.fields],
            "zpl_font": self.zpl_font,
        }
        if self.logo is not None:
            doc["logo"] = {"text": self.logo.text, "x_mm": self.logo.x_mm,
                           "y_mm": self.logo.y_mm, "size_pt": self.logo.size_pt}
        return doc


# ----- validation ---------------------------------------------------------------------------

class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, loc: str, message: str) -> None:
        self.items.append(FieldError(loc, message))


def _number(doc: Mapping[str, Any], key: str, loc: str, errors: _Errors, *, low: float,
            high: float, default: float | None = None) -> float:
    value = doc.get(key, default)
    if value is None:
        errors.add(f"{loc}{key}", "required")
        return low
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.add(f"{loc}{key}", "must be a number")
        return low
    if not low <= float(value) <= high:
        errors.add(f"{loc}{key}", f"must be between {low:g} and {high:g}")
        return low
    return float(value)


def _text(doc: Mapping[str, Any], key: str, loc: str, errors: _Errors, *, max_len: int,
          default: str | None = None) -> str:
    value = doc.get(key, default)
    if value is None:
        errors.add(f"{loc}{key}", "required")
        return ""
    if not isinstance(value, str):
        errors.add(f"{loc}{key}", "must be text")
        return ""
    if len(value) > max_len:
        errors.add(f"{loc}{key}", f"at most {max_len} characters")
        return ""
    if any(ord(ch) < 32 for ch in value):
        errors.add(f"{loc}{key}", "control characters are not allowed")
        return ""
    return value


def _unknown(doc: Mapping[str, Any], allowed: set[str], loc: str, errors: _Errors) -> None:
    for key in doc:
        if key not in allowed:
            errors.add(f"{loc}{key}", "unknown key; known: " + ", ".join(sorted(allowed)))


def parse_layout(doc: Any, *, carrier: str, version: int) -> LabelLayout:
    """A layout document checked whole: every problem reported with its path (`fields.3.name`),
    nothing half-accepted. `carrier` and `version` are the store's (a document may repeat
    the carrier; another one is refused)."""
    errors = _Errors()
    if not isinstance(doc, Mapping):
        raise InvalidInput([FieldError("layout", "must be an object")])
    _unknown(doc, {"carrier", "version", "name", "size", "logo", "barcode", "fields",
                   "zpl_font", "schema"}, "", errors)
    if doc.get("carrier") not in (None, carrier):
        errors.add("carrier", f"this layout is for carrier '{carrier}'")
    if doc.get("schema", LAYOUT_SCHEMA_VERSION) != LAYOUT_SCHEMA_VERSION:
        errors.add("schema", f"only schema {LAYOUT_SCHEMA_VERSION} is known")
    name = _text(doc, "name", "", errors, max_len=100, default=carrier)
    zpl_font = _text(doc, "zpl_font", "", errors, max_len=40, default="E:ANMDS.TTF")
    if zpl_font and any(ch in zpl_font for ch in "^~,"):
        errors.add("zpl_font", "may not contain ^ ~ or ,")
    size = doc.get("size")
    width = height = 0.0
    if not isinstance(size, Mapping):
        errors.add("size", "required: {width_mm, height_mm}")
    else:
        _unknown(size, {"width_mm", "height_mm"}, "size.", errors)
        width = _number(size, "width_mm", "size.", errors, low=20, high=300)
        height = _number(size, "height_mm", "size.", errors, low=20, high=400)
    w, h = width or 300.0, height or 400.0

    barcode_doc = doc.get("barcode")
    barcode = BarcodeSpec("code128", 0, 0, 10)
    if not isinstance(barcode_doc, Mapping):
        errors.add("barcode", "required: {type, x_mm, y_mm, height_mm}")
    else:
        _unknown(barcode_doc, {"type", "x_mm", "y_mm", "height_mm", "module_mm",
                               "human_readable"}, "barcode.", errors)
        kind = barcode_doc.get("type", "code128")
        if kind not in BARCODE_TYPES:
            errors.add("barcode.type", f"unknown barcode type; known: {', '.join(BARCODE_TYPES)}")
        readable = barcode_doc.get("human_readable", True)
        if not isinstance(readable, bool):
            errors.add("barcode.human_readable", "must be true or false")
            readable = True
        barcode = BarcodeSpec(
            str(kind), _number(barcode_doc, "x_mm", "barcode.", errors, low=0, high=w),
            _number(barcode_doc, "y_mm", "barcode.", errors, low=0, high=h),
            _number(barcode_doc, "height_mm", "barcode.", errors, low=5, high=h),
            _number(barcode_doc, "module_mm", "barcode.", errors, low=0.125, high=1.0,
                    default=0.33), readable)

    logo: LogoSpec | None = None
    logo_doc = doc.get("logo")
    if logo_doc is not None:
        if not isinstance(logo_doc, Mapping):
            errors.add("logo", "must be an object {text, x_mm, y_mm, size_pt}")
        else:
            _unknown(logo_doc, {"text", "x_mm", "y_mm", "size_pt"}, "logo.", errors)
            logo = LogoSpec(_text(logo_doc, "text", "logo.", errors, max_len=60),
                            _number(logo_doc, "x_mm", "logo.", errors, low=0, high=w),
                            _number(logo_doc, "y_mm", "logo.", errors, low=0, high=h),
                            _number(logo_doc, "size_pt", "logo.", errors, low=4, high=72,
                                    default=14))

    fields: list[FieldSpec] = []
    fields_doc = doc.get("fields")
    if not isinstance(fields_doc, Sequence) or isinstance(fields_doc, str) or not fields_doc:
        errors.add("fields", "required: a non-empty list of {name, x_mm, y_mm}")
    elif len(fields_doc) > MAX_FIELDS:
        errors.add("fields", f"at most {MAX_FIELDS} fields")
    else:
        for i, f in enumerate(fields_doc):
            loc = f"fields.{i}."
            if not isinstance(f, Mapping):
                errors.add(f"fields.{i}", "must be an object {name, x_mm, y_mm}")
                continue
            _unknown(f, {"name", "x_mm", "y_mm", "size_pt", "label", "wrap"}, loc, errors)
            fname = f.get("name")
            if fname not in FIELDS:
                errors.add(f"{loc}name", f"unknown field {fname!r}; known: "
                           + ", ".join(FIELDS))
            wrap = f.get("wrap", 0)
            if isinstance(wrap, bool) or not isinstance(wrap, int) or not 0 <= wrap <= 200:
                errors.add(f"{loc}wrap", "must be a whole number 0..200")
                wrap = 0
            fields.append(FieldSpec(
                str(fname), _number(f, "x_mm", loc, errors, low=0, high=w),
                _number(f, "y_mm", loc, errors, low=0, high=h),
                _number(f, "size_pt", loc, errors, low=4, high=72, default=10),
                _text(f, "label", loc, errors, max_len=40, default=""), wrap))
    if "waybill" not in {f.name for f in fields} and not barcode.human_readable:
        errors.add("fields", "the waybill must be printed: add a 'waybill' field or set "
                   "barcode.human_readable")
    if errors.items:
        raise InvalidInput(errors.items)
    return LabelLayout(carrier, version, name, width, height, barcode, tuple(fields), logo,
                       zpl_font)


def valid_carrier_code(code: str) -> bool:
    return 0 < len(code) <= 32 and all(ch.isalnum() or ch in "-_" for ch in code)


# ----- what a document says -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PackingLine:
    sku: str
    title: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipmentDocument:
    """Everything one shipment's label and packing list print (personal data included:
    it is built when a document is rendered and never stored or logged)."""

    tenant_id: str
    order_id: str
    shipment_id: str
    carrier: str  # "SF", "ZTO", ... ("" for a pickup at a store)
    values: dict[str, str]  # FIELDS name -> text
    lines: tuple[PackingLine, ...] = field(default_factory=tuple)

    @property
    def waybill(self) -> str:
        return self.values.get("waybill", "")


def receiver_address(province: str, city: str, district: str, line1: str,
                     country: str = "CN") -> str:
    """A mainland address reads from the province down, with no separators (浙江省杭州市西湖区
    文三路 100 号); elsewhere, street first, comma separated."""
    if country in ("", "CN"):
        return "".join(p for p in (province, city, district) if p) + (
            f" {line1}" if line1 else "")
    return ", ".join(p for p in (line1, district, city, province, country) if p)


def shipment_document(*, tenant_id: str, order_id: str, external_id: str, channel: str,
                      shipment_id: str, warehouse_code: str, carrier_service: str,
                      waybill: str, sender_name: str, sender_address: str,
                      receiver: Mapping[str, str], lines: Sequence[PackingLine],
                      ordered_at: datetime | None) -> ShipmentDocument:
    carrier, _, service = carrier_service.partition(":")
    contents = ", ".join(f"{ln.title or ln.sku} x{ln.quantity}" for ln in lines)
    values = {
        "waybill": waybill,
        "carrier": carrier,
        "service": service,
        "order_id": order_id,
        "external_id": external_id,
        "channel": channel,
        "shipment_id": shipment_id,
        "warehouse": warehouse_code,
        "sender_name": sender_name,
        "sender_address": sender_address,
        "receiver_name": receiver.get("name", ""),
        "receiver_phone": receiver.get("phone", ""),
        "receiver_address": receiver_address(
            receiver.get("province", ""), receiver.get("city", ""),
            receiver.get("district", ""), receiver.get("line1", ""),
            receiver.get("country", "CN")),
        "receiver_postal_code": receiver.get("postal_code", ""),
        "pieces": str(sum(ln.quantity for ln in lines)),
        "contents": contents[:200],
        "order_date": ordered_at.date().isoformat() if ordered_at else "",
    }
    return ShipmentDocument(tenant_id, order_id, shipment_id, carrier, values, tuple(lines))


def wrap_text(text: str, width: int) -> list[str]:
    """Hard-wrapped lines of at most `width` characters (0: one line). CJK text has no
    spaces to break at, so this counts characters, not words."""
    if width <= 0 or len(text) <= width:
        return [text]
    return [text[i:i + width] for i in range(0, len(text), width)]


def field_text(spec: FieldSpec, doc: ShipmentDocument) -> list[str]:
    value = doc.values.get(spec.name, "")
    text = f"{spec.label} {value}".strip() if spec.label else value
    return wrap_text(text, spec.wrap)
