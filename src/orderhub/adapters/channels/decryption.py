"""Decryption of the receiver fields marketplaces send as ciphertext: the port and a local
simulator.

JD and Pinduoduo (and, by the same rules, Taobao and Douyin) return the receiver's name,
phone and street as the platform's own ciphertext, which only the platform opens: Pinduoduo
through `pdd.open.decrypt.batch` (at most 100 items per call, `data_tag` = the order
number, called from inside its cloud), JD through its TDE decryption service. The hub talks
to such a service through `ReceiverDecryptor`; which one a channel uses is configured per
channel (setting `channel_decryptors`, channel code -> provider name, see `make_decryptor`).

    decryptor = make_decryptor("simulator", secret="app-key:app-secret")
    opened = decryptor.decrypt([Sealed("250101-123", "name", "~...~")])
    opened[0].text or opened[0].error

`SimulatorDecryptor` is the local stand-in for demos and tests: AES-GCM under a key derived
from the channel secret, the order number as associated data (so a ciphertext opens only
for its own order, as a platform's `data_tag` does). `seal` makes its ciphertexts; it
never calls out and is not a platform client.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Receiver fields a channel may send encrypted (names of `Address` fields).
SEALED_FIELDS = ("name", "phone", "line1")
BATCH_LIMIT = 100  # pdd.open.decrypt.batch: "数据列表, 默认列表大小不超过100"


@dataclass(frozen=True, slots=True)
class Sealed:
    """One encrypted field of one order."""

    tag: str  # the platform's data tag: the order number
    field: str  # one of SEALED_FIELDS
    ciphertext: str


@dataclass(frozen=True, slots=True)
class Opened:
    """The clear text of one `Sealed`, or why it could not be opened."""

    text: str = ""
    error: str = ""


class DecryptionError(Exception):
    """The provider could not be asked at all (unreachable, quota, credentials)."""


class ReceiverDecryptor(Protocol):
    """Opens a batch of ciphertexts: one `Opened` per item, in order. An item the platform
    refuses gets `error`; a failure of the whole call raises DecryptionError."""

    name: str

    def decrypt(self, items: Sequence[Sealed]) -> list[Opened]: ...


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"orderhub decryption simulator\0" + secret.encode()).digest()


def _unwrap(ciphertext: str) -> str:
    """The token inside a platform envelope (`~...~`, `$...$`, `#...#`)."""
    text = ciphertext.strip()
    if len(text) > 2 and text[0] in "~$#" and text[-1] == text[0]:
        return text[1:-1].split(text[0])[0]
    return text


class SimulatorDecryptor:
    """AES-GCM under a key derived from the channel secret (for demos and tests)."""

    name = "simulator"

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the decryption simulator needs the channel secret")
        self._aead = AESGCM(_key(secret))
        self._mac_key = _key("nonce:" + secret)

    def seal(self, tag: str, text: str) -> str:
        """`text` sealed for order `tag` as base64 (deterministic, so renders repeat)."""
        nonce = hmac.new(self._mac_key, f"{tag}\0{text}".encode(), hashlib.sha256).digest()[:12]
        return base64.b64encode(nonce + self._aead.encrypt(nonce, text.encode(), tag.encode())
                                ).decode()

    def decrypt(self, items: Sequence[Sealed]) -> list[Opened]:
        out = []
        for item in items:
            try:
                raw = base64.b64decode(_unwrap(item.ciphertext), validate=True)
                text = self._aead.decrypt(raw[:12], raw[12:], item.tag.encode()).decode()
            except (binascii.Error, InvalidTag, ValueError, UnicodeDecodeError):
                out.append(Opened(error="密文无法解密（不是本渠道为该订单加密的数据）"))
                continue
            out.append(Opened(text=text))
        return out


PROVIDERS = ("simulator",)


def make_decryptor(provider: str, secret: str) -> ReceiverDecryptor:
    """The decryption provider named `provider` for a channel signed with `secret`
    (ValueError for an unknown name). A platform client (a `pdd.open.decrypt.batch` caller
    inside Pinduoduo's cloud, JD's TDE service) is added here under its own name."""
    if provider == "simulator":
        return SimulatorDecryptor(secret)
    raise ValueError(f"unknown decryption provider '{provider}'; known: {', '.join(PROVIDERS)}")
