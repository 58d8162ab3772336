"""The analyses of the real records of ``tests/analytics/conftest.py``, in both languages,
as the report and chart tests' input (those fixtures are loaded from that file, not copied)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from ipnav.analytics import analyze


def _analytics_fixtures():
    path = Path(__file__).resolve().parents[1] / "analytics" / "conftest.py"
    spec = importlib.util.spec_from_file_location("ipnav_tests_analytics_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_shared = _analytics_fixtures()
english = _shared.english
chinese = _shared.chinese
records = _shared.records
scheme = _shared.scheme
tables = _shared.tables
engine = _shared.engine
options = _shared.options


@pytest.fixture(scope="session")
def analyses(tables, engine, options):
    """``{"zh": analyze(...), "en": analyze(...)}`` over the 900 real records."""
    return {lang: analyze(tables, engine, lang, options=options) for lang in ("zh", "en")}
