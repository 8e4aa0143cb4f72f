"""`orderhub keys init|rotate-master|rotate-data`: the keys that protect personal data at
rest and the audit chain. Keys are never printed, only where they are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.common import DbOption, console, fail, open_hub

app = typer.Typer(help="Master and audit keys; key rotation.", no_args_is_help=True)

KEY_NAMES = ("master", "audit")


def init_keys(key_dir: str | None = None) -> list[tuple[Path, bool]]:
    """Create `<key_dir>/master.key` and `<key_dir>/audit.key` (0600) where missing;
    returns (path, created) for each. `serve --demo` calls this too."""
    from orderhub.adapters.secrets import init_secret
    from orderhub.config import get_settings

    directory = key_dir or get_settings().key_dir
    return [init_secret(directory, name) for name in KEY_NAMES]


def print_init(results: list[tuple[Path, bool]]) -> None:
    for path, created in results:
        console.print(f"{'created' if created else 'kept   '} {path}", highlight=False)


@app.command("init")
def keys_init(
    key_dir: Annotated[str | None, typer.Option(
        "--key-dir",
        help="Where the key files go (default: ORDERHUB_KEY_DIR or .orderhub)")] = None,
) -> None:
    """Create the master and audit key files if missing (existing keys are kept)."""
    from orderhub.config import get_settings

    print_init(init_keys(key_dir))
    s = get_settings()
    for name, value in (("MASTER", s.master_key), ("AUDIT", s.audit_key)):
        if value:
            console.print(f"note: ORDERHUB_{name}_KEY is set and takes precedence over its file")


@app.command("rotate-master")
def keys_rotate_master(
    new_key_file: Annotated[Path, typer.Option(
        "--new-key-file", help="File holding the new master key (base64 of 32 bytes)")],
    database_url: DbOption = None,
) -> None:
    """Re-wrap every tenant's data keys under a new master key, in one transaction.

    Refused, with nothing changed, if the new key is malformed or the current key cannot
    open the stored keys. Afterwards the key file is replaced (the old one is kept as
    master.previous.key so processes started meanwhile still open their keys)."""
    from orderhub.adapters.crypto import CryptoError, LocalMasterKey
    from orderhub.adapters.crypto.master import install_new_master
    from orderhub.adapters.secrets import SecretError, decode_secret
    from orderhub.services.keys import rotate_master

    try:
        text = new_key_file.read_text()
        new = LocalMasterKey(decode_secret(text, str(new_key_file)))
    except OSError as exc:
        raise fail(f"refused: cannot read {new_key_file}: {exc.strerror}", 2) from None
    except (SecretError, UnicodeDecodeError) as exc:
        raise fail(f"refused, nothing changed: {exc}", 2) from None
    with open_hub(database_url) as hub:
        current = hub.keyring.provider
        if current.key_id == new.key_id:
            raise fail("refused: the new key is the current master key", 2)
        try:
            count = rotate_master(hub.uow, current, new)
        except CryptoError as exc:
            raise fail(f"refused, nothing changed: {exc}", 1) from None
        console.print(f"re-wrapped {count} keys under master key {new.key_id}")
        if hub.settings.master_key:
            console.print("ORDERHUB_MASTER_KEY is set: set it to the new key's content now "
                          f"(from {new_key_file}) before restarting processes")
        else:
            path, prev = install_new_master(hub.settings.key_dir, text)
            console.print(f"{path} now holds the new key; the old one is in {prev}",
                          highlight=False)


@app.command("rotate-data")
def keys_rotate_data(
    database_url: DbOption = None,
    tenant: Annotated[str | None, typer.Option(
        "--tenant", help="Only this tenant (default: every tenant)")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=10_000)] = 500,
) -> None:
    """Start a new data-key version for new writes and re-encrypt stored rows under it in
    batches (older versions keep decrypting meanwhile)."""
    from orderhub.services.keys import rotate_data

    with open_hub(database_url) as hub:
        with hub.read_uow() as uow:
            if tenant is not None and not uow.catalog.tenant_exists(tenant):
                raise fail(f"no tenant '{tenant}'", 2)
        for r in rotate_data(hub.uow, [tenant] if tenant else None, batch_size=batch_size):
            console.print(f"{r.tenant_id}: data key version {r.version}; re-encrypted "
                          f"{r.orders} orders in {len(r.batches)} batches and {r.secrets} "
                          "secrets", highlight=False)
