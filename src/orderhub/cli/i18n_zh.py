"""The CLI's Chinese catalogue (cli/i18n.py): English text (whitespace collapsed on lookup)
-> Chinese, domain terms as in the project glossary."""

from __future__ import annotations

CATALOG: dict[str, str] = {
    "error:": "错误：",
}
