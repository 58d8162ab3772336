"""Third-party browser files served from their Python packages: ``/vendor/plotly.min.js``.

The ``plotly`` package ships the Plotly.js bundle its version was built with; the
charts of the analysis pages (``static/charts.js``) load it from this site — no
CDN, so the Content-Security-Policy stays ``script-src 'self'`` and pages work
offline. The file is found without importing plotly (``find_spec``).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from ipnav.web.deps import Public
from ipnav.web.errors import ServiceUnavailable

router = APIRouter(include_in_schema=False)

#: URL of the Plotly.js bundle, for templates.
PLOTLY_URL = "/vendor/plotly.min.js"


@functools.cache
def plotly_js() -> Path | None:
    """The ``plotly.min.js`` shipped in the installed ``plotly`` package, if any."""
    spec = importlib.util.find_spec("plotly")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "package_data" / "plotly.min.js"
        if path.is_file():
            return path
    return None


@router.get(PLOTLY_URL)
def plotly_bundle(user: Public) -> FileResponse:
    path = plotly_js()
    if path is None:
        raise ServiceUnavailable(
            "charts are not available: the plotly package is missing; "
            "reinstall ipnav (pip install -e .) to get it",
            code="plotly_missing",
        )
    return FileResponse(
        path,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
