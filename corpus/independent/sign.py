"""Signing helper for the independent corpus: each platform's documented webhook signature,
written from the platforms' public documentation (see README.md), not from the hub's code.

    shopify      X-Shopify-Hmac-Sha256  = base64(HMAC-SHA256(client secret, raw body))
    woocommerce  X-WC-Webhook-Signature = base64(HMAC-SHA256(webhook secret, raw body))
    tiktok       Authorization          = hex(HMAC-SHA256(app secret, app key + raw body))
    taobao       X-Top-Sign             = base64(HMAC-SHA256(shared secret, raw body))
                 (TOP pushes trades over TMC, which is not an HTTP webhook; a relay forwards
                 them signed this way: the convention the hub's docs/channels.md names)
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# The secrets the corpus is signed with (also in README.md). Not real credentials.
SECRETS = {
    "shopify": "shpss_independent_corpus_2026",
    "woocommerce": "wc_independent_corpus_2026",
    "tiktok_app_key": "6a1b2c3d4e5f",
    "tiktok_app_secret": "tts_independent_corpus_secret_2026",
    "taobao": "top_relay_independent_corpus_2026",
}


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify(body: bytes, secret: str = SECRETS["shopify"]) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": _b64_hmac(secret, body),
            "X-Shopify-Topic": "orders/create", "Content-Type": "application/json"}


def woocommerce(body: bytes, secret: str = SECRETS["woocommerce"]) -> dict[str, str]:
    return {"X-WC-Webhook-Signature": _b64_hmac(secret, body),
            "X-WC-Webhook-Topic": "order.created", "Content-Type": "application/json"}


def tiktok(body: bytes, app_key: str = SECRETS["tiktok_app_key"],
           app_secret: str = SECRETS["tiktok_app_secret"]) -> dict[str, str]:
    digest = hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
    return {"Authorization": digest, "Content-Type": "application/json"}


def taobao(body: bytes, secret: str = SECRETS["taobao"]) -> dict[str, str]:
    return {"X-Top-Sign": _b64_hmac(secret, body), "Content-Type": "application/json"}


SIGNERS = {"shopify": shopify, "woocommerce": woocommerce, "tiktok": tiktok, "taobao": taobao}
