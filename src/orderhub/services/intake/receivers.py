"""Opening the receiver fields a channel sent encrypted, before intake builds the orders.

A marketplace (JD, Pinduoduo) sends the receiver's name, phone and street as its own
ciphertext (`ChannelOrder.encrypted`); the channel's decryption provider opens them
(adapters/channels/decryption.py, configured per channel by the `channel_decryptors`
setting). An order whose fields cannot be opened (no provider, the provider down, a
ciphertext it refuses) is still taken in: it keeps the masked values and the ciphertexts
as attributes, and the attribute `receiver_undecrypted` makes validation hold it with the
reason (domain/receivers.py) until the address is corrected or a later delivery opens.
Called outside any transaction: a real provider is a network call.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.channels.decryption import (
    BATCH_LIMIT,
    DecryptionError,
    Opened,
    ReceiverDecryptor,
    Sealed,
    make_decryptor,
)
from orderhub.domain.receivers import (
    CIPHERTEXT_PREFIX,
    UNDECRYPTED_FIELDS,
    UNDECRYPTED_REASON,
)

log = logging.getLogger(__name__)


def decryptor_for(providers: Mapping[str, str], tenant_id: str, channel: str,
                  secret: str) -> tuple[ReceiverDecryptor | None, str]:
    """The provider configured for `tenant/channel` (else for `channel`), or None and why."""
    name = providers.get(f"{tenant_id}/{channel}") or providers.get(channel, "")
    if not name:
        return None, f"渠道 {channel} 未配置解密服务（setting channel_decryptors）"
    try:
        return make_decryptor(name, secret), ""
    except ValueError as exc:
        return None, f"渠道 {channel} 的解密服务配置有误：{exc}"


def reveal_receivers(orders: Sequence[ChannelOrder], decryptor: ReceiverDecryptor | None,
                     unavailable: str = "") -> list[ChannelOrder]:
    """`orders` with their encrypted receiver fields opened where the provider can."""
    sealed = [Sealed(co.external_id, name, text)
              for co in orders for name, text in co.encrypted.items()]
    if not sealed:
        return list(orders)
    opened: list[Opened]
    if decryptor is None:
        opened = [Opened(error=unavailable or "未配置解密服务") for _ in sealed]
    else:
        opened = []
        try:
            for start in range(0, len(sealed), BATCH_LIMIT):
                chunk = sealed[start:start + BATCH_LIMIT]
                got = decryptor.decrypt(chunk)
                if len(got) != len(chunk):
                    raise DecryptionError(f"answered {len(got)} of {len(chunk)} items")
                opened += got
        except DecryptionError as exc:
            log.warning("receiver decryption via %s failed: %s", decryptor.name, exc)
            opened = [Opened(error=f"解密服务 {decryptor.name} 调用失败：{exc}")
                      for _ in sealed]
    results = iter(opened)
    return [_apply(co, [(name, text, next(results)) for name, text in co.encrypted.items()])
            if co.encrypted else co for co in orders]


def _apply(co: ChannelOrder, fields: list[tuple[str, str, Opened]]) -> ChannelOrder:
    opened: dict[str, str] = {}
    attributes = dict(co.attributes)
    failed: list[str] = []
    errors: list[str] = []
    for name, text, result in fields:
        if result.error or not result.text:
            failed.append(name)
            errors.append(result.error or "解密结果为空")
            attributes[CIPHERTEXT_PREFIX + name] = text  # kept to open later
        else:
            opened[name] = result.text
    if failed:
        attributes[UNDECRYPTED_FIELDS] = ",".join(failed)
        attributes[UNDECRYPTED_REASON] = "；".join(dict.fromkeys(errors))
    a, c = co.shipping_address, co.customer
    address = replace(a, name=opened.get("name", a.name), phone=opened.get("phone", a.phone),
                      line1=opened.get("line1", a.line1))
    # The customer's name and phone, where the adapter took the receiver's, follow them.
    customer = replace(c, name=address.name if c.name == a.name else c.name,
                       phone=address.phone if c.phone == a.phone else c.phone)
    return replace(co, shipping_address=address, customer=customer, attributes=attributes,
                   encrypted={})
