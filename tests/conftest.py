"""Shared test fixtures. Qt must run offscreen here: set before anything imports Qt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--port PATH``: a real detsig-protocol device for the tests marked ``hardware``."""
    parser.addoption(
        "--port",
        action="append",
        default=[],
        help="serial port of a real detsig device; runs the tests marked 'hardware'",
    )
    parser.addoption("--baud", type=int, default=115200, help="baud rate for --port")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the ``hardware`` tests unless a real port was given with ``--port``."""
    if config.getoption("--port"):
        return
    skip = pytest.mark.skip(reason="needs a real device: run pytest with --port /dev/ttyUSB0")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def hardware_ports(pytestconfig: pytest.Config) -> list[str]:
    """The real serial ports given with ``--port``."""
    return list(pytestconfig.getoption("--port"))


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
