"""Pseudonymous user ids and deterministic experiment bucketing for the analytics domain.

User ids are replaced by HMAC-SHA256 pseudonyms before anything is stored: the raw id is
hashed on the calling thread and dropped. A bounded memo (:data:`MEMO_SIZE` entries) skips
the HMAC for str ids seen recently; it is keyed by Python's ``hash()`` of the id, never the
id, and is on only where that hash is keyed per process (see :class:`Pseudonymizer`).
Bucketing into A/B variants uses a plain SHA-256 of the test name and the raw id (no key),
so every process, with or without a shared key, puts a user in the same variant; only the
resulting bucket is kept.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sys
from collections.abc import Sequence
from typing import Protocol

__all__ = ["BUCKETS", "MAX_ID_LENGTH", "MEMO_SIZE", "HashInfo", "Pseudonymizer", "bucket_of",
           "memo_safe", "valid_user_id", "variant_for"]

_log = logging.getLogger("otel_measure")

# 2**32 buckets: weights resolve to within 2.3e-10 of their share.
BUCKETS = 1 << 32
MAX_ID_LENGTH = 1024  # characters of a str user id
_BLOCK = 64  # SHA-256 block size in bytes
MEMO_SIZE = 65_536  # pseudonyms memoised per Pseudonymizer (about 10 MB); cleared when full
_KEYED_HASHES = frozenset({"siphash13", "siphash24"})


class HashInfo(Protocol):
    """The fields of :data:`sys.hash_info` that decide whether the memo is safe."""

    @property
    def width(self) -> int: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def cutoff(self) -> int: ...


def memo_safe(hash_info: HashInfo, hash_randomization: bool) -> bool:
    """Whether ``hash(str)`` is a 64-bit hash keyed per process, fit to key the memo.

    That is SipHash (no short-string cutoff) at 64 bits with hash randomisation on. With
    ``PYTHONHASHSEED`` fixed the key is known, and ids could be crafted to collide.
    """
    return (hash_randomization and hash_info.width >= 64 and hash_info.cutoff == 0
            and hash_info.algorithm in _KEYED_HASHES)


def valid_user_id(user_id: object) -> bool:
    """Whether ``user_id`` is a usable id: a non-empty str up to 1024 chars or an int."""
    cls = type(user_id)
    if cls is str:
        return 0 < len(user_id) <= MAX_ID_LENGTH  # type: ignore[arg-type]
    return cls is int


class Pseudonymizer:
    """Keyed hash of user ids: the same id and key give the same 32-hex-digit pseudonym.

    Str ids go through a memo of at most ``memo_size`` entries (cleared when full), keyed
    by ``hash(id)``: it holds 64-bit hashes and pseudonyms, never a raw id. It is used only
    when :func:`memo_safe` holds, where ``hash()`` is SipHash under a random per-process
    key, so a wrong hit needs a 64-bit keyed-hash collision: probability at most
    (memo size + 1) / 2**64 per lookup (``hash()`` never returns -1, it gives -2 instead),
    about 3.6e-15 at 65,536 entries. Int ids bypass it (``hash(int)`` is the int). Under
    the GIL a dict get or set is atomic: a race only computes a pseudonym twice.

    Args:
        key: Secret shared by the replicas that must join ids; ``None`` draws a random key
            for this process and logs a warning that ids will not join across processes.
        memo_size: Most memoised pseudonyms (0: no memo).
        hash_info: ``sys.hash_info`` (injectable for tests).
        hash_randomization: ``sys.flags.hash_randomization`` (injectable for tests).
    """

    __slots__ = ("_inner", "_memo", "_memo_size", "_outer", "keyed")

    def __init__(
        self,
        key: str | None,
        *,
        memo_size: int = MEMO_SIZE,
        hash_info: HashInfo | None = None,
        hash_randomization: bool | None = None,
    ) -> None:
        if hash_info is None:
            hash_info = sys.hash_info
        if hash_randomization is None:
            hash_randomization = bool(sys.flags.hash_randomization)
        self._memo: dict[int, str] | None = (
            {} if memo_size > 0 and memo_safe(hash_info, hash_randomization) else None)
        self._memo_size = memo_size
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

    def of(self, user_id: str | int) -> str:
        """Return the pseudonym: the first 16 bytes of HMAC-SHA256(key, id), in hex.

        Ints hash like their decimal string; 128 bits make collisions negligible. Calling
        the instance does the same; ``of`` skips the ``__call__`` slot (about 60 ns).
        """
        if type(user_id) is not str:
            return self._hmac(str(user_id))
        memo = self._memo
        if memo is None:
            return self._hmac(user_id)
        slot = hash(user_id)
        pseudonym = memo.get(slot)
        if pseudonym is None:
            pseudonym = self._hmac(user_id)
            if len(memo) >= self._memo_size:
                memo.clear()
            memo[slot] = pseudonym
        return pseudonym

    __call__ = of

    def memo_entries(self) -> list[tuple[int, str]]:
        """Return a copy of the memo's (hash, pseudonym) entries (empty when it is off)."""
        return list((self._memo or {}).items())

    @property
    def memoised(self) -> bool:
        """Whether str ids go through the memo."""
        return self._memo is not None

    def _hmac(self, raw: str) -> str:
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
