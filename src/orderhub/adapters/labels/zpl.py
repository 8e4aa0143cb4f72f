"""ZPL II for thermal label printers (Zebra and compatibles), written from the layout data:
one `^XA ... ^XZ` block per label, 203 dpi (8 dots per millimetre), UTF-8 text (`^CI28`)
in the layout's printer-resident font, the waybill as Code128 (`^BC`).

Every text field goes through `^FH` hex escaping, so an address holding `^` or `~` cannot
inject printer commands."""

from __future__ import annotations

from collections.abc import Sequence

from orderhub.domain.labels import LabelLayout, ShipmentDocument, field_text

DOTS_PER_MM = 8  # 203 dpi


def _dots(mm: float) -> int:
    return max(0, round(mm * DOTS_PER_MM))


def _font_dots(size_pt: float) -> int:
    return max(10, round(size_pt / 72 * 25.4 * DOTS_PER_MM))


def escape(text: str) -> str:
    """Field data for `^FH_^FD...^FS`: `^`, `~` and `_` as hex escapes, control characters
    dropped."""
    out = []
    for ch in text:
        if ch == "^":
            out.append("_5E")
        elif ch == "~":
            out.append("_7E")
        elif ch == "_":
            out.append("_5F")
        elif ord(ch) >= 32:
            out.append(ch)
    return "".join(out)


def _text(x: int, y: int, size_pt: float, font: str, text: str) -> str:
    h = _font_dots(size_pt)
    return f"^FO{x},{y}^A@N,{h},{h},{font}^FH_^FD{escape(text)}^FS"


def label(layout: LabelLayout, doc: ShipmentDocument) -> str:
    lines = ["^XA", "^CI28", f"^PW{_dots(layout.width_mm)}", f"^LL{_dots(layout.height_mm)}"]
    if layout.logo is not None:
        lines.append(_text(_dots(layout.logo.x_mm), _dots(layout.logo.y_mm),
                           layout.logo.size_pt, layout.zpl_font, layout.logo.text))
    b = layout.barcode
    if doc.waybill:
        height = _dots(b.height_mm)
        lines.append(f"^FO{_dots(b.x_mm)},{_dots(b.y_mm)}^BY{max(1, _dots(b.module_mm))},3,"
                     f"{height}^BCN,{height},{'Y' if b.human_readable else 'N'},N,N"
                     f"^FH_^FD{escape(doc.waybill)}^FS")
    for spec in layout.fields:
        step = _font_dots(spec.size_pt) * 6 // 5
        for i, text in enumerate(field_text(spec, doc)):
            if text:
                lines.append(_text(_dots(spec.x_mm), _dots(spec.y_mm) + i * step,
                                   spec.size_pt, layout.zpl_font, text))
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


def packing_list(doc: ShipmentDocument, font: str = "E:ANMDS.TTF") -> str:
    """The packing slip on the same 100 x 150 mm stock: header, one row per SKU."""
    v = doc.values
    rows = [f"装箱单 Packing list  {v.get('order_id', '')}",
            f"包裹 {doc.shipment_id}  运单 {doc.waybill or '-'}",
            f"渠道单号 {v.get('external_id', '')}  发货仓 {v.get('warehouse', '')}"]
    lines = ["^XA", "^CI28", f"^PW{_dots(100)}", f"^LL{_dots(150)}"]
    y = _dots(5)
    for r in rows:
        lines.append(_text(_dots(4), y, 10, font, r))
        y += _dots(6)
    if doc.waybill:
        lines.append(f"^FO{_dots(4)},{y}^BY2,3,{_dots(10)}^BCN,{_dots(10)},N,N,N"
                     f"^FH_^FD{escape(doc.waybill)}^FS")
        y += _dots(13)
    for ln in doc.lines:
        lines.append(_text(_dots(4), y, 9, font, f"{ln.sku}  {ln.title[:24]}  x{ln.quantity}"))
        y += _dots(5)
    lines.append(_text(_dots(4), y + _dots(2), 10, font, f"合计 Total  x{v.get('pieces', '0')}"))
    lines.append("^XZ")
    return "\n".join(lines) + "\n"


def labels(items: Sequence[tuple[LabelLayout, ShipmentDocument]]) -> str:
    """One stream for a wave: the printer prints the blocks in order."""
    return "".join(label(layout, doc) for layout, doc in items)
