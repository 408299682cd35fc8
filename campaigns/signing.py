"""Signatures for links that work without a session (calendar and itinerary feeds).

A signature is an HMAC-SHA256 of a purpose and some parts under the application's secret key,
cut to 24 bytes (192 bits) and written in base64url: short enough for a URL, long enough that
nobody guesses one. Changing any part (a person's feed key, say) makes old links fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_SIGNATURE_BYTES = 24


def link_signature(secret: str, purpose: str, *parts: object) -> str:
    """The signature of ``purpose`` and ``parts`` under ``secret``. Raises ValueError without
    a secret."""
    if not secret:
        raise ValueError("a secret key is required to sign links")
    message = ":".join(str(part) for part in (purpose, *parts)).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_SIGNATURE_BYTES]).decode().rstrip("=")
