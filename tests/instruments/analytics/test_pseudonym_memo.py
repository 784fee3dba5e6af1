"""The pseudonym memo: same pseudonyms as the HMAC, bounded, keyed by hash(), never by raw ids."""

from __future__ import annotations

import gc
import hashlib
import hmac
import os
import random
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest

from otel_measure.instruments.analytics.privacy import MEMO_SIZE, Pseudonymizer, memo_safe

KEY = "memo-key"
SIPHASH = SimpleNamespace(width=64, algorithm="siphash13", cutoff=0)


def _hmac(user_id: str | int, key: str = KEY) -> str:
    return hmac.new(key.encode(), str(user_id).encode(), hashlib.sha256).digest()[:16].hex()


def _ids(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcXYZ019-_@.é日\U0001f600"
    ids = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count)}
    ids.update(("a", "x" * 1024, "42", "-1", "user-1"))
    return sorted(ids)


def _memoised(memo_size: int = MEMO_SIZE) -> Pseudonymizer:
    return Pseudonymizer(KEY, memo_size=memo_size, hash_info=SIPHASH, hash_randomization=True)


@pytest.mark.parametrize("memo_size", [MEMO_SIZE, 16, 1])
def test_memoised_pseudonyms_equal_the_stdlib_hmac(memo_size: int) -> None:
    """With the memo on (any size, so with clears), every pseudonym is the stdlib's HMAC."""
    pseudo = _memoised(memo_size)
    assert pseudo.memoised
    ids = _ids(2000)
    order = ids + ids[::-1] + random.Random(3).choices(ids, k=2000)  # misses, then hits
    for user in order:
        assert pseudo(user) == _hmac(user)


def test_a_hit_returns_the_memoised_value_and_adds_nothing() -> None:
    """The second call of an id is served from the memo entry hash(id) -> pseudonym."""
    pseudo = _memoised()
    first = pseudo("alice@example.com")
    assert pseudo.memo_entries() == [(hash("alice@example.com"), first)]
    # Plant a value to prove the lookup is used (a memo that is only written fails here).
    pseudo._memo[hash("alice@example.com")] = "planted"  # type: ignore[index]
    assert pseudo("alice@example.com") == "planted"
    assert len(pseudo.memo_entries()) == 1


def test_the_memo_never_holds_a_raw_id() -> None:
    """Keys are ints (hash of the id), values the pseudonyms; no raw id is referenced."""
    pseudo = _memoised()
    ids = _ids(500)
    for user in ids:
        pseudo(user)
    entries = pseudo.memo_entries()
    assert len(entries) == len(ids)
    raw = set(ids)
    assert {key for key, _ in entries} == {hash(user) for user in ids}
    assert {value for _, value in entries} == {_hmac(user) for user in ids}
    not_hex = [user for user in raw if set(user) - set("0123456789abcdef")]
    for key, value in entries:
        assert type(key) is int and type(value) is str
        assert value not in raw and not any(user in value for user in not_hex)
    referents = gc.get_referents(pseudo._memo) + gc.get_referents(pseudo)  # type: ignore[attr-defined]
    assert not any(isinstance(obj, str) and obj in raw for obj in referents)


def test_the_memo_is_bounded() -> None:
    """Past memo_size entries the memo is cleared; it never holds more than memo_size."""
    pseudo = _memoised(memo_size=8)
    ids = _ids(100)
    for n, user in enumerate(ids, 1):
        assert pseudo(user) == _hmac(user)
        assert len(pseudo.memo_entries()) == (n - 1) % 8 + 1


def test_int_ids_bypass_the_memo() -> None:
    """Ints hash like their decimal string and leave the memo empty (hash(int) is the int)."""
    pseudo = _memoised()
    for user in (0, 42, -7, 10**30):
        assert pseudo(user) == _hmac(user)
    assert pseudo.memo_entries() == []
    assert pseudo("42") == pseudo(42)
    assert pseudo.memo_entries() == [(hash("42"), _hmac(42))]


@pytest.mark.parametrize(
    ("hash_info", "randomized"),
    [
        (SIPHASH, False),  # PYTHONHASHSEED fixed: the key is known
        (SimpleNamespace(width=32, algorithm="siphash13", cutoff=0), True),
        (SimpleNamespace(width=64, algorithm="fnv", cutoff=0), True),
        (SimpleNamespace(width=64, algorithm="siphash24", cutoff=7), True),  # short: DJBX33A
    ],
)
def test_the_memo_is_off_unless_hash_is_keyed_per_process(
        hash_info: SimpleNamespace, randomized: bool) -> None:
    """Without a random 64-bit SipHash key the memo stays off; pseudonyms are unchanged."""
    assert not memo_safe(hash_info, randomized)
    pseudo = Pseudonymizer(KEY, hash_info=hash_info, hash_randomization=randomized)
    assert not pseudo.memoised
    for user in _ids(50):
        assert pseudo(user) == _hmac(user)
    assert pseudo.memo_entries() == []


def test_memo_size_zero_turns_it_off() -> None:
    """memo_size=0 means no memo."""
    pseudo = _memoised(memo_size=0)
    assert not pseudo.memoised
    assert pseudo("u") == _hmac("u")
    assert pseudo.memo_entries() == []


def test_defaults_follow_this_interpreter_and_pythonhashseed() -> None:
    """By default the memo is on with random hashing and off with PYTHONHASHSEED=0."""
    assert memo_safe(SIPHASH, True)
    assert memo_safe(SimpleNamespace(width=64, algorithm="siphash24", cutoff=0), True)
    here = memo_safe(sys.hash_info, bool(sys.flags.hash_randomization))
    assert Pseudonymizer(KEY).memoised is here
    code = ("from otel_measure.instruments.analytics.privacy import Pseudonymizer as P;"
            "p = P('k'); print(p.memoised, p('u'))")
    want = _hmac("u", "k")
    for seed, memoised in (("0", False), ("random", sys.hash_info.algorithm.startswith("sip"))):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        assert out == [str(memoised), want]


def test_threads_sharing_a_small_memo_get_correct_pseudonyms() -> None:
    """Four threads racing on a memo that keeps clearing still get the HMAC for every id."""
    pseudo = _memoised(memo_size=32)
    ids = _ids(300)
    want = {user: _hmac(user) for user in ids}
    wrong: list[str] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(3000):
            user = rng.choice(ids)
            if pseudo(user) != want[user]:
                wrong.append(user)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert len(pseudo.memo_entries()) <= 32
