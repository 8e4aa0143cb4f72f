"""Tabular order files (CSV and XLSX): `parse.py` reads B2B bulk orders and store POS batches
(many orders per file, with row errors); `render.py` writes a CSV import file from
ChannelOrders."""

from orderhub.adapters.channels.tabular.parse import (
    CANONICAL_FIELDS,
    DEFAULT_HEADERS,
    ColumnMatch,
    RowError,
    TabularAdapter,
    TabularPreview,
    TabularResult,
    check_mapping,
    match_columns,
    parse_rows,
    preview_rows,
    resolve_columns,
)
from orderhub.adapters.channels.tabular.render import CSV_HEADERS, render_csv

__all__ = [
    "CANONICAL_FIELDS",
    "CSV_HEADERS",
    "DEFAULT_HEADERS",
    "ColumnMatch",
    "RowError",
    "TabularAdapter",
    "TabularPreview",
    "TabularResult",
    "check_mapping",
    "match_columns",
    "parse_rows",
    "preview_rows",
    "render_csv",
    "resolve_columns",
]
