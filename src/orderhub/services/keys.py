"""Key rotation without downtime (personal data at rest, issue 12).

Master key: every tenant's wrapped keys are re-wrapped under the new master key in one
transaction, or nothing changes (a new key that is malformed, or a current key that cannot
open them, is refused). Running processes keep their unwrapped keys and carry on.

Data keys: a new version is stored and used for new writes at once (other processes pick it
up within the key cache's lifetime); rows are then re-encrypted in batches, each its own
transaction, while every older version still decrypts, so reads never stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orderhub.adapters.crypto.master import MasterKeyProvider
from orderhub.adapters.crypto.rotation import rewrap_all
from orderhub.services.unit_of_work import UowFactory


def rotate_master(make_uow: UowFactory, current: MasterKeyProvider,
                  new: MasterKeyProvider) -> int:
    """Re-wrap every stored key under `new`; returns how many. Raises CryptoError (and
    changes nothing) if `current` cannot open one of them."""
    with make_uow() as uow:
        count = rewrap_all(uow.conn, current, new)
        uow.commit()
    return count


@dataclass
class DataRotation:
    tenant_id: str
    version: int
    orders: int = 0
    secrets: int = 0
    batches: list[int] = field(default_factory=list)


def rotate_data(make_uow: UowFactory, tenant_ids: list[str] | None = None, *,
                batch_size: int = 500) -> list[DataRotation]:
    """A new data-key version per tenant (all tenants when none are named), then every row
    re-encrypted under it in batches of `batch_size`."""
    with make_uow() as uow:
        tenants = tenant_ids if tenant_ids else uow.catalog.tenant_ids()
    out = []
    for tenant in tenants:
        with make_uow() as uow:
            version = uow.pii.new_data_version(tenant)
            uow.commit()
        report = DataRotation(tenant, version)
        while True:
            with make_uow() as uow:
                n = uow.orders.reencrypt(tenant, batch_size)
                uow.commit()
            report.orders += n
            if n:
                report.batches.append(n)
            if n < batch_size:
                break
        with make_uow() as uow:
            report.secrets = (uow.webhooks.reencrypt_secrets(tenant)
                              + uow.catalog.reencrypt_secrets(tenant)
                              + uow.tracking.reencrypt_secrets(tenant)
                              + uow.tracking_links.reencrypt_secrets(tenant)
                              + uow.bidding.reencrypt_secrets(tenant))
            uow.commit()
        out.append(report)
    return out
