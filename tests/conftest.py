"""Shared test fixtures. Qt must run offscreen here: set before anything imports Qt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real sample files (../shared/data), or skip with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared sample data folder {SHARED_DATA} is absent")
    return SHARED_DATA
