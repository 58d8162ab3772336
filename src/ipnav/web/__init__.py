"""The web platform: a FastAPI app of thin routers over the core library.

:func:`ipnav.web.app.create_app` builds it; ``ipnav serve`` runs it with uvicorn.
"""

from ipnav.web.app import create_app

__all__ = ["create_app"]
