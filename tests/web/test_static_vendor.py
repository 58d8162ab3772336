"""The Plotly.js bundle is served from the installed plotly package, by this site, to anyone."""

from __future__ import annotations

from ipnav.web.static_vendor import PLOTLY_URL, plotly_js


def test_plotly_bundle_is_served_locally(client):
    response = client.get(PLOTLY_URL)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.content[:200].lstrip(b"/* \n").startswith(b"plotly.js v")
    assert len(response.content) == plotly_js().stat().st_size
    assert "script-src 'self'" in response.headers["content-security-policy"]
