"""Bid requests over HTTP: each a signed POST (Standard Webhooks headers under the
provider's secret) to the provider's endpoint, through the webhook sender (no redirects,
internal addresses refused), on a small thread pool so the job never waits on a provider.
A provider that does not answer simply does not bid: the offer falls back to routing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orderhub.adapters.webhooks.sender import WebhookSender

log = logging.getLogger(__name__)


class HttpBidRequests:
    def __init__(self, sender: WebhookSender, workers: int = 4) -> None:
        self.sender = sender
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="bid-requests")

    def send(self, requests: Sequence[Any]) -> None:
        for r in requests:
            if r.endpoint:
                self.pool.submit(self._one, r)

    def _one(self, r: Any) -> None:
        result = self.sender.send(r.endpoint, r.body, r.headers)
        if not result.ok:
            log.warning("bid request for offer %s to provider %s not delivered: %s",
                        r.offer_id, r.provider, result.outcome)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.sender.close()
