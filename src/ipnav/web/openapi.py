"""The OpenAPI document with the error body the API really sends.

Every error under ``/api`` is answered as ``{"code", "message", "status"}`` (plus
``position`` for a query syntax error), by :mod:`ipnav.web.app` from
:mod:`ipnav.web.errors`. FastAPI documents a 422 as its own ``HTTPValidationError``
(a ``detail`` list) and other errors without a body; :func:`with_error_bodies`
replaces both by :data:`ERROR_SCHEMA` for every 4xx and 5xx response of every
operation, so clients (and the schemathesis fuzzing in ``tests/web/test_fuzz.py``,
which checks each response against its documented schema) see the real shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message", "status"],
    "properties": {
        "code": {
            "type": "string",
            "description": "Stable code for scripts, e.g. query_syntax, not_found, "
            "validation_error, invalid_token, forbidden",
        },
        "message": {"type": "string", "description": "What is wrong and what to do"},
        "status": {"type": "integer", "description": "The HTTP status, repeated"},
        "position": {
            "type": "integer",
            "description": "Where in the query the syntax error is (query_syntax only)",
        },
    },
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def with_error_bodies(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Wrap FastAPI's ``app.openapi`` so that its document declares :data:`ERROR_SCHEMA`."""
    done: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not done:
            document = build()
            document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    for status, response in operation.get("responses", {}).items():
                        if status[:1] in ("4", "5"):
                            response["content"] = {"application/json": {"schema": ERROR_REF}}
            schemas = document["components"]["schemas"]
            if not _referenced(document, "HTTPValidationError"):  # replaced everywhere
                schemas.pop("HTTPValidationError", None)
                if not _referenced(document, "ValidationError"):
                    schemas.pop("ValidationError", None)
            done.update(document)
        return done

    return openapi


def _referenced(document: dict[str, Any], name: str) -> bool:
    return f'"#/components/schemas/{name}"' in json.dumps(document)
