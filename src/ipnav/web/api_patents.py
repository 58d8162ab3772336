"""REST API of patent records (``/api/v1/patents``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ipnav.web.api_search import ERRORS
from ipnav.web.deps import Public, Store
from ipnav.web.patents import find_patent

router = APIRouter(prefix="/api/v1", tags=["patents"])


@router.get("/patents/{number:path}", responses=ERRORS)
def api_patent(number: str, store: Store, user: Public) -> dict[str, Any]:
    """The canonical record of a patent, found by id, publication or application number."""
    record, others = find_patent(store, number)
    data = record.model_dump(mode="json")
    data["other_matches"] = [other.id for other in others]
    return data
