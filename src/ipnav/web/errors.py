"""Errors of the web shell, and the one place where core errors become HTTP statuses.

Every error has a stable ``code`` that scripts can test for. Under ``/api`` it is
answered as JSON ``{"code", "message", "status"}``; pages get an error page in
the user's language with the same facts. Nothing unexpected shows a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from ipnav.accounts.errors import (
    AccountLocked,
    DuplicateEmail,
    InvalidCredentials,
    InvalidToken,
    NotAllowed,
    UnknownRole,
    UnknownUser,
    WeakPassword,
)
from ipnav.accounts.saved_searches import SavedSearchError, SavedSearchNotFound
from ipnav.collections.errors import (
    AmbiguousCollection,
    BreakdownError,
    CollectionError,
    CollectionExists,
    CollectionNotAllowed,
    CollectionNotFound,
    SearchUnavailable,
    SnapshotNotFound,
    UnknownPatent,
)
from ipnav.errors import IpnavError
from ipnav.jobs.errors import (
    JobError,
    JobFileMissing,
    JobNotAllowed,
    JobNotFound,
    JobsConfigError,
    JobStateError,
    QueueUnavailable,
)
from ipnav.model.classification import ClassificationError
from ipnav.model.numbers import NumberError
from ipnav.search.lexical import LexicalIndexError, UnknownFacet
from ipnav.search.prior_art import EmptyDisclosure, PatentNotFound
from ipnav.search.query.parser import QuerySyntaxError
from ipnav.search.service import DenseIndexUnavailable


class WebError(IpnavError):
    """A request the web shell itself refuses (bad parameter, unknown patent …)."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class NotFound(WebError):
    status = 404
    code = "not_found"


class ServiceUnavailable(WebError):
    status = 503
    code = "unavailable"


@dataclass(frozen=True)
class ErrorInfo:
    status: int
    code: str
    message: str
    position: int | None = None  # where in the query, for query_syntax
    retry_after: int | None = None  # seconds, for too_many_requests


#: Core error class -> (HTTP status, code), most specific first.
CORE_ERRORS: tuple[tuple[type[Exception], int, str], ...] = (
    (QuerySyntaxError, 400, "query_syntax"),
    (PatentNotFound, 404, "not_found"),
    (NumberError, 404, "not_found"),
    (ClassificationError, 400, "bad_request"),
    (EmptyDisclosure, 400, "empty_disclosure"),
    (DenseIndexUnavailable, 409, "index_missing"),
    (UnknownFacet, 400, "bad_request"),
    (LexicalIndexError, 503, "index_missing"),
    (AccountLocked, 423, "account_locked"),
    (InvalidCredentials, 401, "invalid_credentials"),
    (InvalidToken, 401, "invalid_token"),
    (WeakPassword, 400, "weak_password"),
    (NotAllowed, 403, "forbidden"),
    (DuplicateEmail, 409, "conflict"),
    (UnknownUser, 404, "not_found"),
    (UnknownRole, 400, "bad_request"),
    (SavedSearchNotFound, 404, "not_found"),
    (SavedSearchError, 400, "invalid_saved_search"),
    (JobNotFound, 404, "not_found"),
    (JobNotAllowed, 403, "forbidden"),
    (JobStateError, 409, "conflict"),
    (JobFileMissing, 410, "gone"),
    (QueueUnavailable, 503, "unavailable"),
    (JobsConfigError, 503, "unavailable"),
    (JobError, 400, "bad_request"),
    # thematic databases: an invisible collection is a 404 like an unknown one
    (CollectionNotFound, 404, "not_found"),
    (SnapshotNotFound, 404, "not_found"),
    (CollectionNotAllowed, 403, "forbidden"),
    (CollectionExists, 409, "conflict"),
    (AmbiguousCollection, 409, "ambiguous_collection"),
    (UnknownPatent, 400, "unknown_patent"),
    (BreakdownError, 400, "invalid_breakdown"),
    (SearchUnavailable, 503, "index_missing"),
    (CollectionError, 400, "invalid_collection"),
)


def error_info(exc: IpnavError) -> ErrorInfo:
    """Status, code and message of an expected error."""
    if isinstance(exc, WebError):
        return ErrorInfo(exc.status, exc.code, str(exc), None, getattr(exc, "retry_after", None))
    for cls, status, code in CORE_ERRORS:
        if isinstance(exc, cls):
            position = exc.position if isinstance(exc, QuerySyntaxError) else None
            return ErrorInfo(status, code, str(exc), position)
    return ErrorInfo(400, "bad_request", str(exc))


#: HTTP status -> code for errors raised by the framework (routing, validation).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
