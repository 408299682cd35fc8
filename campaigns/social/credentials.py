"""Channel credentials, encrypted at rest.

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, with a key derived from the
application's secret by HKDF-SHA256, so the secret itself never becomes the encryption key and
other uses of it stay independent. The secret is passed in by the caller (the web or the worker
reads ``HERALD_SECRET_KEY``); this module reads no environment. Only the adapter factory in
``bots/`` should call ``channel_credentials``: nothing else needs the plaintext.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from campaigns.errors import Invalid
from campaigns.i18n import N_

if TYPE_CHECKING:
    from campaigns.social.models import Channel

_SALT = b"herald/social/channel-credentials"
_INFO = b"herald channel credentials v1"


def _fernet(secret: str) -> Fernet:
    if not secret:
        raise ValueError("a secret is required to encrypt or decrypt channel credentials")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_credentials(credentials: dict[str, str], *, secret: str) -> str:
    """The credentials as a Fernet token (ASCII), ready for the database."""
    payload = json.dumps(credentials, sort_keys=True).encode("utf-8")
    return _fernet(secret).encrypt(payload).decode("ascii")


def decrypt_credentials(token: str, *, secret: str) -> dict[str, str]:
    """The credentials back. Raises Invalid when the secret changed or the token was altered."""
    try:
        payload = _fernet(secret).decrypt(token.encode("ascii"))
    except InvalidToken:
        raise Invalid(
            N_(
                "The channel's credentials cannot be read with this server's secret key; "
                "enter them again."
            ),
            field="credentials",
        ) from None
    return json.loads(payload)


def channel_credentials(channel: Channel, *, secret: str) -> dict[str, str]:
    """The plaintext credentials of ``channel``, for the adapter factory only."""
    if not channel.credentials_encrypted:
        return {}
    return decrypt_credentials(channel.credentials_encrypted, secret=secret)
