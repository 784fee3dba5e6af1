"""Pseudonymous user ids and deterministic experiment bucketing for the analytics domain.

User ids are replaced by HMAC-SHA256 pseudonyms before anything is stored: the raw id is
hashed on the calling thread and dropped. Bucketing into A/B variants uses a plain SHA-256
of the test name and the raw id (no key), so every process, with or without a shared key,
puts a user in the same variant; only the resulting bucket is kept.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence

__all__ = ["BUCKETS", "Pseudonymizer", "bucket_of", "valid_user_id", "variant_for"]

_log = logging.getLogger("otel_measure")

# 2**32 buckets: weights resolve to within 2.3e-10 of their share.
BUCKETS = 1 << 32
_MAX_ID_LENGTH = 1024
_BLOCK = 64  # SHA-256 block size in bytes


def valid_user_id(user_id: object) -> bool:
    """Whether ``user_id`` is a usable id: a non-empty str up to 1024 chars or an int."""
    cls = type(user_id)
    if cls is str:
        return 0 < len(user_id) <= _MAX_ID_LENGTH  # type: ignore[arg-type]
    return cls is int


class Pseudonymizer:
    """Keyed hash of user ids: the same id and key give the same 32-hex-digit pseudonym.

    Args:
        key: Secret shared by the replicas that must join ids; ``None`` draws a random key
            for this process and logs a warning that ids will not join across processes.
    """

    __slots__ = ("_inner", "_outer", "keyed")

    def __init__(self, key: str | None) -> None:
        self.keyed = key is not None
        if key is None:
            _log.warning(
                "otel-measure analytics: no key set (AnalyticsOptions(key=...) or "
                "OTEL_MEASURE_ANALYTICS_KEY); user ids are pseudonymised with a random "
                "per-process key, so they will not join across processes or restarts"
            )
            secret = secrets.token_bytes(32)
        else:
            secret = key.encode()
        # RFC 2104 with the padded-key states precomputed: copying them costs about 1 µs
        # per id, where hmac.digest() looks the digest up in OpenSSL 3 each call (~4 µs).
        if len(secret) > _BLOCK:
            secret = hashlib.sha256(secret).digest()
        padded = secret.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def __call__(self, user_id: str | int) -> str:
        """Return the pseudonym: the first 16 bytes of HMAC-SHA256(key, id), in hex.

        Ints hash like their decimal string; 128 bits make collisions negligible.
        """
        raw = user_id if type(user_id) is str else str(user_id)
        inner = self._inner.copy()
        inner.update(raw.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:16].hex()


def bucket_of(test: str, user_id: str | int) -> int:
    """Return the user's bucket in ``[0, BUCKETS)`` for ``test`` (SHA-256, no key)."""
    raw = user_id if type(user_id) is str else str(user_id)
    digest = hashlib.sha256(f"{test}\x00{raw}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def variant_for(bucket: int, bounds: Sequence[int]) -> int:
    """Return the index of the variant whose bucket range holds ``bucket``.

    Args:
        bucket: A value from :func:`bucket_of`.
        bounds: Exclusive upper bucket bound of each variant, increasing, last = BUCKETS.
    """
    for index, bound in enumerate(bounds):
        if bucket < bound:
            return index
    return len(bounds) - 1
