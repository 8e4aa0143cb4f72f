"""How much of a person's data a caller may see: the one decision every answer that carries
personal data (API, CLI, exports) is shaped by.
"""

from __future__ import annotations

from enum import StrEnum


class PiiView(StrEnum):
    FULL = "full"  # names, phones, emails and addresses as stored
    MASKED = "masked"  # phone's last four digits, name's first character, address once released
    NONE = "none"  # no personal data at all (finance, analysts of amounts, integrations)
