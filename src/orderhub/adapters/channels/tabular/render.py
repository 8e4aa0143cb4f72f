"""CSV import files from canonical orders: the inverse of `parse.parse_rows`. UTF-8 with BOM
(as Excel writes it), the Chinese default headers, one row per line with the order fields
repeated, times in China time. A file has no place for `status` (always open), `total`, a
second time or a customer phone apart from the recipient's.
"""

from __future__ import annotations

import csv
import io

from orderhub.adapters.channels._rendering import china_time, plain
from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.tabular.parse import ATTRIBUTE_FIELDS

# Canonical field -> the Chinese header `render_csv` writes (one of parse.DEFAULT_HEADERS).
CSV_HEADERS: dict[str, str] = {
    "external_id": "订单号",
    "sku": "商品编码",
    "title": "商品名称",
    "quantity": "数量",
    "unit_price": "单价",
    "discount": "优惠金额",
    "tax": "税额",
    "barcode": "条码",
    "hs_code": "HS编码",
    "origin_country": "原产国",
    "currency": "币种",
    "customer_ref": "客户编码",
    "customer_name": "客户名称",
    "email": "邮箱",
    "recipient": "收货人",
    "phone": "手机",
    "country": "国家",
    "province": "省",
    "city": "市",
    "district": "区",
    "address": "详细地址",
    "postal_code": "邮编",
    "order_type": "订单类型",
    "shipping_fee": "运费",
    "placed_at": "下单时间",
    "baby_age_months": "婴儿月龄",
    "buyer_age": "买家年龄",
    "cross_border": "跨境",
    "declared_value": "申报价值",
}


def _csv_rows(order: ChannelOrder) -> list[dict[str, str]]:
    if not order.external_id:
        raise ValueError("a CSV order needs an order number")
    if not order.lines:
        raise ValueError(f"order {order.external_id}: an order needs at least one line")
    address, customer = order.shipping_address, order.customer
    declared = order.declared_value
    fields = {
        "external_id": order.external_id,
        "currency": order.currency,
        "customer_ref": customer.ref,
        "customer_name": customer.name,
        "email": customer.email,
        "recipient": address.name,
        "phone": address.phone or customer.phone,
        "country": address.country,
        "province": address.province,
        "city": address.city,
        "district": address.district,
        "address": address.line1,
        "postal_code": address.postal_code,
        "order_type": order.order_type.value,
        "shipping_fee": plain(order.shipping_fee),
        "placed_at": china_time(order.updated_at),
        "cross_border": "是" if order.cross_border else "否",
        "declared_value": "" if declared is None else plain(declared),
        **{name: order.attributes.get(name, "") for name in ATTRIBUTE_FIELDS},
    }
    rows = []
    for line in order.lines:
        if not line.channel_sku:
            raise ValueError(f"order {order.external_id}: a CSV line needs a SKU")
        rows.append(
            {
                **fields,
                "sku": line.channel_sku,
                "title": line.title,
                "quantity": str(line.quantity),
                "unit_price": plain(line.unit_price),
                "discount": plain(line.discount),
                "tax": plain(line.tax),
                "barcode": line.barcode,
                "hs_code": line.hs_code,
                "origin_country": line.origin_country,
            }
        )
    return rows


def render_csv(orders: list[ChannelOrder]) -> bytes:
    """`orders` as a CSV import file for `tabular.parse_rows` (UTF-8 with BOM, as Excel
    writes it; Chinese default headers; one row per line; times in China time)."""
    seen: set[str] = set()
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS.values())
    for order in orders:
        if order.external_id in seen:
            raise ValueError(f"order number {order.external_id} is used twice")
        seen.add(order.external_id)
        for row in _csv_rows(order):
            writer.writerow(row[name] for name in CSV_HEADERS)
    return out.getvalue().encode("utf-8-sig")
