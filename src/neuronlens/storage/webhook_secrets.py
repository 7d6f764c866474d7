"""Webhook signing secrets: ``whsec_`` + base64 random, encrypted at rest with Fernet."""

from __future__ import annotations

import base64
import functools
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from neuronlens.config import Settings
from neuronlens.errors import NeuronLensError

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
"""Standard Webhooks asks for 24 to 64 random bytes; 256 bits like our API keys."""


class SecretUnreadable(NeuronLensError):
    """A stored secret does not decrypt: the server secret (NEURONLENS_SECRET_KEY) changed."""

    code = "webhook_secret_unreadable"


def generate_secret() -> str:
    """A new signing secret in the Standard Webhooks form, ``whsec_<base64>``."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key_bytes(secret: str) -> bytes:
    """The HMAC key a secret stands for: its base64 part, decoded."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


class SecretBox:
    """Encrypts secrets for storage with a key derived from the server's own secret."""

    def __init__(self, server_secret: bytes) -> None:
        self._fernet = _fernet(server_secret)

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box for this deployment (``NEURONLENS_SECRET_KEY`` or ``<data_dir>/secret.key``)."""
        from neuronlens.keys import server_secret

        return cls(server_secret(settings))

    def seal(self, secret: str) -> str:
        """The stored (encrypted) form of ``secret``."""
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret back from its stored form."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(
                "a stored webhook secret cannot be decrypted; was NEURONLENS_SECRET_KEY changed?"
            ) from None


@functools.lru_cache(maxsize=8)
def _fernet(server_secret: bytes) -> Fernet:
    # A separate key per purpose: the server secret also signs dashboard sessions.
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"neuronlens webhook secrets v1"
    ).derive(server_secret)
    return Fernet(base64.urlsafe_b64encode(key))
