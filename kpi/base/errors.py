"""Domain errors: refusals and conditions a person can act on. Each names a catalog key (and the
values to fill in), so `message(lang)` reads in the reader's language. Everything else that goes
wrong is a bug and is left to show as one.

The CLI maps these to exit code 1 with the message in both languages; the pages show
`err.message(lang)`.
"""

from __future__ import annotations

from typing import Any

from kpi.base import i18n


class KpiError(i18n.Bilingual, Exception):
    """Base of every domain error: `message(lang)` is what the reader is told."""

    key = "error.failed"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(i18n.both(self.key, **params))

    def message(self, lang: str = "zh") -> str:
        """The message in the reader's language."""
        return i18n.t(self.key, lang, **self.params)


class InputRejected(KpiError, ValueError):
    """A write refused for what was submitted (not for who submitted it); nothing was written."""


class PermissionDenied(KpiError):
    """The user may not do this action (role, or staff outside their own unit)."""

    def __init__(self, action: str, key: str, **params: Any) -> None:
        self.action = action
        super().__init__(key, **params)


class RetryLater(KpiError, RuntimeError):
    """The write could not run now (busy or conflicting); nothing was written."""

    key = "error.busy"

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__()


class PreviewOutdated(RetryLater):
    """Figures changed between the preview and the commit; check the file again."""

    key = "error.preview_outdated"


class DatabaseBusy(RetryLater):
    """The database file stayed locked by another process for longer than the wait."""


class StoreFull(KpiError):
    """The disk under the store is full; the write was rolled back."""

    key = "error.store_full"


class ReplicaReadOnly(KpiError):
    """A write on a read-only replica: writes go to the primary server (docs/DEPLOY.md)."""

    key = "error.replica_read_only"


class SignInLocked(KpiError):
    """Sign-in refused while a username or client is locked after failed sign-ins."""

    key = "error.sign_in_locked"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(seconds=retry_after)


class UsersFileError(KpiError, ValueError):
    """The accounts file exists but cannot be used (bad YAML, bad entry)."""

    key = "error.users_file"

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail)


class LastAdminError(InputRejected):
    """A change would leave the accounts file without an enabled admin account."""

    key = "error.last_admin"


class UnknownUserError(InputRejected):
    """No account of that name in the accounts file."""

    key = "error.unknown_user"

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(username=username)


class DemoFileRefused(InputRejected):
    """The shipped demo accounts file is never written."""

    key = "error.demo_accounts_file"

    def __init__(self, path: object) -> None:
        super().__init__(path=str(path))


class SetupError(KpiError, RuntimeError):
    """Something this machine lacks (e.g. chromium for the chart images); says how to fix it."""
