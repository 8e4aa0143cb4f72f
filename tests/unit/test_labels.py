"""Shipping documents, pure parts (issue 19 part 4): layouts as data checked whole, the ZPL
and PDF renderers (the barcode encodes the waybill; Chinese addresses render; output is
repeatable), ZPL escaping of what a buyer typed."""

from __future__ import annotations

import copy
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from orderhub.adapters.labels import pdf, zpl
from orderhub.adapters.labels.builtin import builtin_layouts
from orderhub.domain.errors import InvalidInput
from orderhub.domain.labels import (
    FIELDS,
    PackingLine,
    ShipmentDocument,
    parse_layout,
    shipment_document,
    wrap_text,
)


def doc(waybill: str = "SF123456789012", *, line1: str = "文三路 100 号",
        name: str = "张三") -> ShipmentDocument:
    return shipment_document(
        tenant_id="t", order_id="ord_1", external_id="TM-1001", channel="tmall",
        shipment_id="shp_1", warehouse_code="HZ", carrier_service="SF:express",
        waybill=waybill, sender_name="杭州仓", sender_address="浙江省杭州市",
        receiver={"name": name, "phone": "13800138000", "province": "浙江省",
                  "city": "杭州市", "district": "西湖区", "line1": line1},
        lines=[PackingLine("SKU-1", "婴儿奶粉 一段 800g", 2), PackingLine("SKU-2", "Bib", 1)],
        ordered_at=datetime(2026, 11, 24, 2, tzinfo=UTC))


def layout_doc() -> dict[str, Any]:
    d = copy.deepcopy(builtin_layouts()["default"].as_dict())
    del d["carrier"]  # the carrier is the one it is saved for
    return d


def test_builtin_layouts_are_valid_and_cover_the_carriers() -> None:
    layouts = builtin_layouts()
    assert {"default", "SF", "ZTO", "JD", "YTO", "STO", "EMS"} <= set(layouts)
    for code, layout in layouts.items():
        assert layout.carrier == code
        assert (layout.width_mm, layout.height_mm) == (100, 150)
        assert layout.barcode.type == "code128"
        names = {f.name for f in layout.fields}
        assert {"waybill", "receiver_name", "receiver_address", "sender_name"} <= names
        # a layout's own document parses back to the same layout
        assert parse_layout(layout.as_dict(), carrier=code, version=layout.version) == layout


def test_unknown_field_names_and_bad_positions_are_refused_with_their_path() -> None:
    d = layout_doc()
    d["fields"][3]["name"] = "receiver_id_number"
    d["fields"][1]["x_mm"] = 250  # off a 100 mm label
    d["barcode"]["type"] = "qr"
    d["colour"] = "red"
    with pytest.raises(InvalidInput) as caught:
        parse_layout(d, carrier="SF", version=2)
    locs = {e.loc: e.message for e in caught.value.errors}
    assert set(locs) == {"fields.3.name", "fields.1.x_mm", "barcode.type", "colour"}
    assert "unknown field 'receiver_id_number'" in locs["fields.3.name"]
    assert "between 0 and 100" in locs["fields.1.x_mm"]


@pytest.mark.parametrize(("mutate", "loc"), [
    (lambda d: d.pop("size"), "size"),
    (lambda d: d.pop("barcode"), "barcode"),
    (lambda d: d.update(fields=[]), "fields"),
    (lambda d: d["size"].update(width_mm="100"), "size.width_mm"),
    (lambda d: d["fields"][0].update(wrap=True), "fields.0.wrap"),
    (lambda d: d["fields"][0].update(label="a\x00b"), "fields.0.label"),
    (lambda d: d.update(carrier="ZTO"), "carrier"),
    (lambda d: d.update(zpl_font="E:X^XZ"), "zpl_font"),
])
def test_each_malformed_layout_names_its_field(mutate: Any, loc: str) -> None:
    d = layout_doc()
    mutate(d)
    with pytest.raises(InvalidInput) as caught:
        parse_layout(d, carrier="SF", version=1)
    assert loc in {e.loc for e in caught.value.errors}


def test_zpl_label_encodes_the_waybill_in_code128_with_the_layout_positions() -> None:
    layout = builtin_layouts()["SF"]
    text = zpl.label(layout, doc("SF123456789012"))
    assert text.startswith("^XA\n^CI28\n^PW800\n^LL1200\n") and text.rstrip().endswith("^XZ")
    [bc] = re.findall(r"\^FO(\d+),(\d+)\^BY(\d+),3,(\d+)\^BCN,(\d+),Y,N,N\^FH_\^FD([^\^]*)\^FS",
                      text)
    x, y, module, _, height, data = bc
    assert data == "SF123456789012"
    assert (int(x), int(y)) == (round(layout.barcode.x_mm * 8), round(layout.barcode.y_mm * 8))
    assert int(height) == round(layout.barcode.height_mm * 8)
    assert int(module) == round(layout.barcode.module_mm * 8)
    assert "^FD收件人 张三^FS" in text
    assert "^FD浙江省杭州市西湖区 文三路 100 号^FS" in text


def test_zpl_escapes_what_a_buyer_typed() -> None:
    text = zpl.label(builtin_layouts()["default"],
                     doc(line1="^XZ~JR_x", name="王^XA五"))
    assert text.count("^XA") == 1 and text.count("^XZ") == 1
    assert "^FD浙江省杭州市西湖区 _5EXZ_7EJR_5Fx^FS" in text
    assert "^FD收件人 王_5EXA五^FS" in text
    assert "~" not in text


def test_zpl_packing_list_lists_every_line() -> None:
    text = zpl.packing_list(doc())
    assert "^FDSKU-1  婴儿奶粉 一段 800g  x2^FS" in text and "x1^FS" in text
    assert "^BCN," in text and "^FDSF123456789012^FS" in text


def test_pdf_label_parses_draws_the_waybill_barcode_and_prints_chinese() -> None:
    layout = builtin_layouts()["ZTO"]
    rendered = pdf.labels([(layout, doc("7304917223841"))])
    assert rendered.content.startswith(b"%PDF-")
    assert rendered.barcodes == ["7304917223841"]
    reader = PdfReader(io.BytesIO(rendered.content))
    assert len(reader.pages) == rendered.pages == 1
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == round(100 / 25.4 * 72)
    assert round(float(page.mediabox.height)) == round(150 / 25.4 * 72)
    text = page.extract_text()
    assert "张三" in text and "浙江省杭州市西湖区" in text and "中通快递" in text
    assert "7304917223841" in text  # the barcode's human-readable line and the field


def test_pdf_is_repeatable_and_changes_with_its_content() -> None:
    layout = builtin_layouts()["SF"]
    a = pdf.labels([(layout, doc())]).content
    assert a == pdf.labels([(layout, doc())]).content
    assert a != pdf.labels([(layout, doc(line1="文三路 101 号"))]).content


def test_pdf_wave_has_one_page_per_label_and_packing_lists_paginate() -> None:
    layout = builtin_layouts()["default"]
    docs = [doc(f"ZT{i:010d}") for i in range(5)]
    rendered = pdf.labels([(layout, d) for d in docs])
    assert len(PdfReader(io.BytesIO(rendered.content)).pages) == 5
    assert rendered.barcodes == [d.waybill for d in docs]
    many = shipment_document(
        tenant_id="t", order_id="o", external_id="e", channel="web", shipment_id="s",
        warehouse_code="W", carrier_service="", waybill="", sender_name="", sender_address="",
        receiver={}, lines=[PackingLine(f"S{i}", f"商品{i}", 1) for i in range(60)],
        ordered_at=None)
    packed = pdf.packing_lists([many])
    reader = PdfReader(io.BytesIO(packed.content))
    assert len(reader.pages) == packed.pages == 3
    assert packed.barcodes == []  # no waybill (a store pickup): no barcode
    assert "商品59" in reader.pages[2].extract_text()


def test_field_catalogue_and_wrapping() -> None:
    assert "receiver_address" in FIELDS and FIELDS["waybill"][1] == "运单号"
    assert wrap_text("浙江省杭州市西湖区文三路", 4) == ["浙江省杭", "州市西湖", "区文三路"]
    assert wrap_text("abc", 0) == ["abc"]
    json.dumps(builtin_layouts()["SF"].as_dict())  # layouts are plain data


@pytest.mark.parametrize("font", ["cid", "embedded"])
def test_both_fonts_print_chinese(font: str, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Any) -> None:
    """Without a CJK TrueType font the built-in CID font STSong-Light is used (no file);
    with one (ORDERHUB_LABEL_FONT or Debian's WenQuanYi) it is embedded."""
    if font == "embedded" and not any(__import__("os").path.isfile(p)
                                      for p in pdf.KNOWN_FONTS):
        pytest.skip("no CJK TrueType font on this machine (fonts-wqy-microhei)")
    monkeypatch.setattr(pdf, "_font_name", None)
    if font == "cid":
        monkeypatch.setenv("ORDERHUB_LABEL_FONT", str(tmp_path / "missing.ttf"))
    else:
        monkeypatch.delenv("ORDERHUB_LABEL_FONT", raising=False)
    rendered = pdf.labels([(builtin_layouts()["JD"], doc("JDV000123456789"))])
    assert pdf._font_name == (pdf.CID_FONT if font == "cid" else pdf.EMBEDDED)
    text = PdfReader(io.BytesIO(rendered.content)).pages[0].extract_text()
    assert "张三" in text and "京东物流" in text
    monkeypatch.setattr(pdf, "_font_name", None)  # the next test registers its own
