"""Users, organisations, roles, passwords, API tokens and the audit log.

The core of authentication and authorisation; the web app and the CLI are thin
shells over :class:`~ipnav.accounts.service.Accounts`. Nothing here imports a
web framework.
"""

from ipnav.accounts.errors import (
    AccountError,
    AccountLocked,
    DuplicateEmail,
    InvalidCredentials,
    InvalidToken,
    NotAllowed,
    UnknownRole,
    UnknownUser,
    WeakPassword,
)
from ipnav.accounts.roles import OrganisationKind, Role
from ipnav.accounts.service import ANONYMOUS, Accounts, ApiToken, AuditEntry, User

__all__ = [
    "ANONYMOUS",
    "AccountError",
    "AccountLocked",
    "Accounts",
    "ApiToken",
    "AuditEntry",
    "DuplicateEmail",
    "InvalidCredentials",
    "InvalidToken",
    "NotAllowed",
    "OrganisationKind",
    "Role",
    "UnknownRole",
    "UnknownUser",
    "User",
    "WeakPassword",
]
