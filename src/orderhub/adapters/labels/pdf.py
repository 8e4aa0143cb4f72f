"""PDF labels and packing lists (reportlab): one page per document, the page the layout's
size, the waybill as a Code128 barcode. Output is byte-for-byte repeatable (`invariant`: no
creation time or random document id), so a reprint has the same SHA-256 as the first print
when nothing on it changed.

The font: a CJK TrueType font embedded (subset) when one is found: `ORDERHUB_LABEL_FONT`
(a .ttf or .ttc path), else WenQuanYi Micro Hei or Zen Hei where Debian's fonts-wqy-* put
them; otherwise the CID font STSong-Light, built into reportlab and needing no file, which
PDF readers draw with their own Adobe-GB1 (Chinese) font, so a reader without one shows
boxes: install a font or set the variable where labels are printed from such a reader."""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from orderhub.domain.labels import (
    LabelLayout,
    ShipmentDocument,
    field_text,
)

log = logging.getLogger(__name__)
CID_FONT = "STSong-Light"
EMBEDDED = "LabelCJK"
KNOWN_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
               "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_font_name: str | None = None
_lock = threading.Lock()
PACKING_SIZE = (148 * mm, 210 * mm)  # A5 portrait


def font_file() -> str | None:
    """The CJK TrueType font labels embed, if there is one."""
    configured = os.environ.get("ORDERHUB_LABEL_FONT", "")
    for path in ((configured,) if configured else KNOWN_FONTS):
        if path and Path(path).is_file():
            return path
    return None


def _font() -> str:
    """The registered font's name (registered once per process)."""
    global _font_name
    if _font_name is None:
        with _lock:
            if _font_name is None:
                path = font_file()
                name = CID_FONT
                if path is not None:
                    try:
                        pdfmetrics.registerFont(TTFont(EMBEDDED, path, subfontIndex=0))
                        name = EMBEDDED
                    except Exception:  # not a usable TrueType font: the CID font then
                        log.warning("label font %s could not be loaded; using %s", path,
                                    CID_FONT, exc_info=True)
                if name == CID_FONT:
                    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
                _font_name = name
    return _font_name


@dataclass
class Rendered:
    """A rendered PDF and what it encoded: the barcode values drawn, page by page (tests
    and the document record read them; the bars themselves are reportlab's)."""

    content: bytes
    pages: int
    barcodes: list[str] = field(default_factory=list)


def _barcode(c: canvas.Canvas, value: str, x: float, top: float, height: float,
             module: float, readable: bool, drawn: list[str]) -> None:
    """Code128 bars from `top` down `height`; the value in text under them if `readable`."""
    bc = code128.Code128(value, barWidth=module, barHeight=height, humanReadable=False,
                         quiet=False)
    bc.drawOn(c, x, top - height)
    if readable:
        c.setFont("Helvetica", 9)
        c.drawCentredString(x + bc.width / 2, top - height - 10, value)
    drawn.append(value)


def _label_page(c: canvas.Canvas, layout: LabelLayout, doc: ShipmentDocument,
                drawn: list[str]) -> None:
    font = _font()
    width, height = layout.width_mm * mm, layout.height_mm * mm
    c.setPageSize((width, height))
    if layout.logo is not None:
        c.setFont(font, layout.logo.size_pt)
        c.drawString(layout.logo.x_mm * mm, height - layout.logo.y_mm * mm
                     - layout.logo.size_pt, layout.logo.text)
    b = layout.barcode
    if doc.waybill:
        _barcode(c, doc.waybill, b.x_mm * mm, height - b.y_mm * mm, b.height_mm * mm,
                 b.module_mm * mm, b.human_readable, drawn)
    for spec in layout.fields:
        c.setFont(font, spec.size_pt)
        step = spec.size_pt * 1.2
        for i, text in enumerate(field_text(spec, doc)):
            if text:
                c.drawString(spec.x_mm * mm, height - spec.y_mm * mm - spec.size_pt - i * step,
                             text)
    c.showPage()


def _packing_pages(c: canvas.Canvas, doc: ShipmentDocument, drawn: list[str]) -> int:
    font = _font()
    width, height = PACKING_SIZE
    v = doc.values
    rows = list(doc.lines)
    per_page = 28
    pages = max(1, -(-len(rows) // per_page))
    for page in range(pages):
        c.setPageSize((width, height))
        c.setFont(font, 16)
        c.drawString(12 * mm, height - 18 * mm, "装箱单 Packing list")
        c.setFont(font, 9)
        top = height - 26 * mm
        for i, text in enumerate([
                f"订单号 Order: {v.get('order_id', '')}   渠道单号: {v.get('external_id', '')}",
                f"包裹 Shipment: {doc.shipment_id}   发货仓: {v.get('warehouse', '')}",
                f"运单号 Waybill: {doc.waybill or '-'}   承运商: {v.get('carrier', '') or '-'}",
                f"第 {page + 1}/{pages} 页"]):
            c.drawString(12 * mm, top - i * 12, text)
        if doc.waybill and page == 0:
            _barcode(c, doc.waybill, 90 * mm, height - 10 * mm, 12 * mm, 0.3 * mm, False,
                     drawn)
        y = top - 62
        c.setFont(font, 10)
        c.drawString(12 * mm, y, "SKU")
        c.drawString(48 * mm, y, "品名 Title")
        c.drawRightString(136 * mm, y, "数量 Qty")
        c.line(12 * mm, y - 4, 136 * mm, y - 4)
        y -= 16
        for ln in rows[page * per_page:(page + 1) * per_page]:
            c.drawString(12 * mm, y, ln.sku[:20])
            c.drawString(48 * mm, y, ln.title[:30])
            c.drawRightString(136 * mm, y, str(ln.quantity))
            y -= 14
        if page == pages - 1:
            c.line(12 * mm, y + 8, 136 * mm, y + 8)
            c.drawRightString(136 * mm, y - 6, f"合计 Total: {v.get('pieces', '0')}")
        c.showPage()
    return pages


def labels(items: Sequence[tuple[LabelLayout, ShipmentDocument]]) -> Rendered:
    """One PDF, one page per label (a wave prints as one file)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    c.setTitle("shipping labels")
    drawn: list[str] = []
    for layout, doc in items:
        _label_page(c, layout, doc, drawn)
    c.save()
    return Rendered(buf.getvalue(), len(items), drawn)


def packing_lists(docs: Sequence[ShipmentDocument]) -> Rendered:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    c.setTitle("packing list")
    drawn: list[str] = []
    pages = sum(_packing_pages(c, doc, drawn) for doc in docs)
    c.save()
    return Rendered(buf.getvalue(), pages, drawn)
