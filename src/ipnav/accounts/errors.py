"""Errors of the accounts core; the web and the CLI map them to statuses and exit codes."""

from __future__ import annotations

import datetime as dt

from ipnav.errors import IpnavError


class AccountError(IpnavError):
    """Something about a user, an organisation or a token is not right."""


class WeakPassword(AccountError):
    """The password breaks the password rule."""


class DuplicateEmail(AccountError):
    """A user with this e-mail address exists already."""


class UnknownUser(AccountError):
    """No user has this e-mail address or id."""


class UnknownRole(AccountError):
    """A role or organisation kind name that does not exist."""


class InvalidCredentials(AccountError):
    """Wrong e-mail address or password (never says which)."""


class AccountLocked(AccountError):
    """Too many failed logins: the account is locked until ``until``."""

    def __init__(self, message: str, until: dt.datetime):
        super().__init__(message)
        self.until = until


class InvalidToken(AccountError):
    """An API token that is unknown, malformed or revoked."""


class NotAllowed(AccountError):
    """The acting user may not do this (e.g. grant a role above their own)."""
