"""Simulated area surveys shared by the survey tests (written once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from detsig.sim.area import AreaSpec, simulate_area, write_area

#: The faults planted in the ``faulty_area`` survey.
MISSED_LANE, FAST_LANE, DROPOUT_LANE = 8, 12, 4


@pytest.fixture(scope="session")
def clean_area(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5 m x 4 m area, 17 sweeps 0.25 m apart with RTK GNSS, seed 1."""
    folder = tmp_path_factory.mktemp("area") / "clean"
    write_area(simulate_area(AreaSpec(), seed=1), folder)
    return folder


@pytest.fixture(scope="session")
def faulty_area(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same area with a missed strip, a too-fast sweep and a GNSS dropout, seed 3."""
    spec = AreaSpec(
        missed_lanes=(MISSED_LANE,), fast_lanes=(FAST_LANE,), dropout_lanes=(DROPOUT_LANE,)
    )
    folder = tmp_path_factory.mktemp("area") / "faulty"
    write_area(simulate_area(spec, seed=3), folder)
    return folder
