"""Master-key rotation: every wrapped key re-wrapped under the new master key in one
transaction, or nothing changed."""

from __future__ import annotations

import base64

from sqlalchemy import Connection, bindparam, select, update

from orderhub.adapters.crypto.keyring import wrap_context
from orderhub.adapters.crypto.master import MasterKeyProvider
from orderhub.adapters.db.tables import pii_keys


def rewrap_all(conn: Connection, current: MasterKeyProvider, new: MasterKeyProvider) -> int:
    """Unwrap every tenant's keys with `current` (WrongMasterKey if any does not open:
    the caller's transaction then rolls back and nothing changed) and store them wrapped
    by `new`. Returns the number of keys re-wrapped."""
    k = pii_keys.c
    q = select(k.tenant_id, k.purpose, k.version, k.wrapped, k.master_key_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    rows = conn.execute(q).all()
    updates = []
    for tenant, purpose, version, wrapped, by in rows:
        ctx = wrap_context(tenant, purpose, version)
        raw = current.unwrap(base64.b64decode(wrapped), by, ctx)
        updates.append({"b_tenant": tenant, "b_purpose": purpose, "b_version": version,
                        "wrapped": base64.b64encode(new.wrap(raw, ctx)).decode(),
                        "master_key_id": new.key_id})
    if updates:
        conn.execute(
            update(pii_keys).where(k.tenant_id == bindparam("b_tenant"),
                                   k.purpose == bindparam("b_purpose"),
                                   k.version == bindparam("b_version"))
            .values(wrapped=bindparam("wrapped"), master_key_id=bindparam("master_key_id")),
            updates)
    return len(updates)
