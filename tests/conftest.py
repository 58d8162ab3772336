"""Shared fixtures: the real sample data folder, settings in a temp home, stores on both backends."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ipnav.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The shared real-data folder (IPNAV_SAMPLE_DATA, default ../shared/data)."""
    path = Path(os.environ.get("IPNAV_SAMPLE_DATA", ROOT.parent / "shared" / "data"))
    if not (path / "README.md").exists():
        pytest.fail(f"shared sample data not found at {path}; set IPNAV_SAMPLE_DATA")
    return path


@pytest.fixture
def settings(tmp_path: Path, sample_data: Path) -> Settings:
    return Settings(home=tmp_path / "home", sample_data=sample_data)
