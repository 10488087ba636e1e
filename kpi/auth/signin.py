"""Sign-in: password checks against the accounts file, with a rate limit per user and client."""

from __future__ import annotations

import functools
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import bcrypt

from kpi.auth.accounts import BCRYPT_ROUNDS, MAX_PASSWORD_BYTES, Account, User, active_accounts
from kpi.base.errors import SignInLocked

log = logging.getLogger(__name__)


@dataclass
class _KeyState:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    lock_count: int = 0
    last_failure: float = 0.0


class RateLimiter:
    """Failed sign-ins per key; `max_failures` within `window` s lock the key, doubling each time.

    Keys are e.g. ('user', 'alice') and ('client', session_id). One instance is shared by all
    Streamlit sessions (threads of one process), so every method takes the lock.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 300.0,
        lock_seconds: float = 60.0,
        max_lock_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lock_seconds = lock_seconds
        self.max_lock_seconds = max_lock_seconds
        self.clock = clock
        self.max_keys = max_keys
        self._states: dict[tuple[str, str], _KeyState] = {}
        self._lock = threading.Lock()

    def _is_stale(self, state: _KeyState, now: float) -> bool:
        # Quiet for as long as the longest lock after its lock ended: start again from 60 s.
        quiet = max(self.window, self.max_lock_seconds)
        return now - max(state.last_failure, state.locked_until) > quiet

    def _state(self, key: tuple[str, str], now: float) -> _KeyState:
        state = self._states.get(key)
        if state is None or self._is_stale(state, now):
            state = self._states[key] = _KeyState()
        state.failures = [t for t in state.failures if now - t < self.window]
        return state

    def retry_after(self, keys: Iterable[tuple[str, str]]) -> int:
        """Whole seconds until every key is unlocked (0 when none is locked)."""
        with self._lock:
            now = self.clock()
            waits = [
                self._states[k].locked_until - now
                for k in keys
                if k in self._states and self._states[k].locked_until > now
            ]
        return _whole_seconds(max(waits)) if waits else 0

    def record_failure(self, keys: Iterable[tuple[str, str]]) -> int:
        """Count a failure for each key; return the wait now in force (0 when not locked)."""
        with self._lock:
            now = self.clock()
            wait = 0.0
            for key in keys:
                state = self._state(key, now)
                state.failures.append(now)
                state.last_failure = now
                if len(state.failures) >= self.max_failures:
                    seconds = min(self.lock_seconds * 2**state.lock_count, self.max_lock_seconds)
                    state.locked_until = now + seconds
                    state.lock_count += 1
                    state.failures.clear()
                wait = max(wait, state.locked_until - now)
            if len(self._states) > self.max_keys:
                self._prune(now)
        return _whole_seconds(wait) if wait > 0 else 0

    def record_success(self, keys: Iterable[tuple[str, str]]) -> None:
        """Forget the failures of these keys (called with the username key only)."""
        with self._lock:
            for key in keys:
                self._states.pop(key, None)

    def reset(self) -> None:
        """Forget everything (tests, or an admin unlocking)."""
        with self._lock:
            self._states.clear()

    def _prune(self, now: float) -> None:
        for key in [k for k, s in self._states.items() if self._is_stale(s, now)]:
            del self._states[key]


def _whole_seconds(seconds: float) -> int:
    # (now + 60) - now can be 60.000000000000014: round off the float error before rounding up.
    return math.ceil(round(seconds, 6))


LIMITER = RateLimiter()


def _limit_keys(username: str, client_key: str | None) -> list[tuple[str, str]]:
    keys = [("user", username.strip().casefold())]
    if client_key:
        keys.append(("client", str(client_key)))
    return keys


@functools.lru_cache(maxsize=8)
def _dummy_hash(cost: int) -> bytes:
    """A hash of a random secret, checked for unknown users so they take as long as known ones."""
    return bcrypt.hashpw(secrets.token_hex(16).encode(), bcrypt.gensalt(cost))


def _check_password(password: str, password_hash: bytes) -> bool:
    raw = password.encode("utf-8")
    try:
        if len(raw) > MAX_PASSWORD_BYTES:
            bcrypt.checkpw(b"-", password_hash)  # same work, always fails
            return False
        return bcrypt.checkpw(raw, password_hash)
    except ValueError:  # malformed hash
        return False


def _hash_cost(accounts: dict[str, Account]) -> int:
    for account in accounts.values():
        try:
            return int(account.password_hash.split("$")[2])
        except (IndexError, ValueError):
            continue
    return BCRYPT_ROUNDS


def authenticate(
    username: str,
    password: str,
    client_key: str | None = None,
    *,
    path: str | os.PathLike | None = None,
    limiter: RateLimiter | None = None,
    demo_mode: bool | None = None,
) -> User | None:
    """The user when the password matches, else None; raises SignInLocked while locked out.

    Failures count per username and per `client_key` (e.g. the Streamlit session id). Demo
    accounts sign in only while `demo_mode` is not False (see accounts.demo_accounts_allowed).
    """
    limiter = limiter or LIMITER
    username = (username or "").strip()
    if not username:
        return None
    keys = _limit_keys(username, client_key)
    wait = limiter.retry_after(keys)
    if wait:
        raise SignInLocked(wait)
    accounts = active_accounts(path, demo_mode=demo_mode)
    account = accounts.get(username)
    if account is not None:
        ok = _check_password(password or "", account.password_hash.encode("ascii"))
    else:
        _check_password(password or "", _dummy_hash(_hash_cost(accounts)))
        ok = False
    if ok:
        # Only the username key: signing in to one's own account must not reset the client count.
        limiter.record_success(keys[:1])
        return account.user
    log.info("failed sign-in for username %r", username)
    wait = limiter.record_failure(keys)
    if wait:
        raise SignInLocked(wait)
    return None
