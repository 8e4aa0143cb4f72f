"""Signing helper for corpus D: each platform's documented scheme (see README.md).

The evaluator (`orderhub corpus evaluate`) reads SECRETS from this file to configure the
channels. The secrets are made up for this corpus; they are not credentials of anything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRETS: dict[str, str] = {
    "shopify": "shpss_corpusD_91c4be07a3d2",
    "woocommerce": "wc_corpusD_hook_5b3f",
    "tiktok_app_key": "d9e8f7a6b5c4",
    "tiktok_app_secret": "tts_corpusD_app_secret_81",
    "taobao": "top_relay_corpusD_2026q",
    "jd": "JDCORPUSD11:jd_corpusD_app_secret_55",
    "pdd": "pddcorpusdclient:pdd_corpusD_client_secret_42",
}


def _b64_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify(body: bytes, secret: str = SECRETS["shopify"]) -> dict[str, str]:
    # https://shopify.dev/docs/apps/build/webhooks/subscribe/https (verify the HMAC)
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": "corpus-d-outlet.myshopify.com",
        "X-Shopify-API-Version": "2024-10",
        "X-Shopify-Hmac-Sha256": _b64_hmac(secret, body),
    }


def woocommerce(body: bytes, secret: str = SECRETS["woocommerce"]) -> dict[str, str]:
    # WC_Webhook::generate_signature(): base64(hash_hmac('sha256', payload, secret, true))
    return {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "created",
        "X-WC-Webhook-Source": "https://store.corpus-d.example/",
        "X-WC-Webhook-Signature": _b64_hmac(secret, body),
    }


def tiktok(
    body: bytes,
    app_key: str = SECRETS["tiktok_app_key"],
    app_secret: str = SECRETS["tiktok_app_secret"],
) -> dict[str, str]:
    # TikTok Shop webhook: Authorization = hex(HMAC-SHA256(app_secret, app_key + body))
    sig = hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Authorization": sig}


def taobao(body: bytes, secret: str = SECRETS["taobao"]) -> dict[str, str]:
    # relay convention (docs/channels.md, Taobao signature section)
    return {"Content-Type": "application/json", "X-Top-Sign": _b64_hmac(secret, body)}


def _md5_sign(secret: str, params: dict[str, str]) -> str:
    raw = secret + "".join(k + params[k] for k in sorted(params)) + secret
    return hashlib.md5(raw.encode("utf-8")).hexdigest().upper()


def jd(body: bytes, timestamp: str = "2026-12-06 09:40:00", creds: str = SECRETS["jd"]) -> dict[str, str]:
    # JOS request signature over 360buy_param_json (= body), app_key, method, timestamp, v
    app_key, app_secret = creds.split(":", 1)
    params = {
        "360buy_param_json": body.decode("utf-8"),
        "app_key": app_key,
        "method": "jingdong.pop.order.get",
        "timestamp": timestamp,
        "v": "2.0",
    }
    return {
        "Content-Type": "application/json",
        "jd-app-key": app_key,
        "jd-timestamp": timestamp,
        "jd-sign": _md5_sign(app_secret, params),
    }


def pdd(body: bytes, timestamp: str = "1796550000", creds: str = SECRETS["pdd"]) -> dict[str, str]:
    # PDD request signature over client_id, data (= body), data_type, timestamp, type
    client_id, client_secret = creds.split(":", 1)
    params = {
        "client_id": client_id,
        "data": body.decode("utf-8"),
        "data_type": "JSON",
        "timestamp": timestamp,
        "type": "pdd.order.information.get",
    }
    return {
        "Content-Type": "application/json",
        "pdd-client-id": client_id,
        "pdd-timestamp": timestamp,
        "pdd-sign": _md5_sign(client_secret, params),
    }


SIGNERS = {
    "shopify": shopify,
    "woocommerce": woocommerce,
    "tiktok": tiktok,
    "taobao": taobao,
    "jd": jd,
    "pdd": pdd,
}
