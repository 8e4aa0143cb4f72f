"""Personal data at rest: envelope encryption (AES-256-GCM) under per-tenant data keys
wrapped by a pluggable master-key provider, and keyed blind indexes for exact lookup."""

from orderhub.adapters.crypto.keyring import (
    Keyring,
    PiiCipher,
    Undecryptable,
    normalise_email,
    normalise_phone,
)
from orderhub.adapters.crypto.master import (
    CryptoError,
    LocalMasterKey,
    MasterKeyProvider,
    WrongMasterKey,
    load_local_master,
)

__all__ = ["CryptoError", "Keyring", "LocalMasterKey", "MasterKeyProvider", "PiiCipher",
           "Undecryptable", "WrongMasterKey", "load_local_master", "normalise_email",
           "normalise_phone"]
