"""gpr-hyperbola on a gprMax B-scan that another project made (../shared/data): the physics of a
line nobody here simulated or tuned on."""

from __future__ import annotations

import math

import pytest

from detsig.detect import detect

from .conftest import needs_jit

pytestmark = needs_jit

# cylinder_Bscan20_2D.in: soil eps_r 6, a PEC cylinder of radius 1 cm centred 9 cm below the
# surface at x = 0.15 m, 20 traces every 1 cm, transmitter and receiver 4 cm apart
CYLINDER = "gpr/gprmax/cylinder_Bscan20_2D_gprMax4.out"
SOIL_PERMITTIVITY = 6.0
TOP_DEPTH_M = 0.08


def test_gprmax_cylinder_found_where_it_is_with_the_soil_velocity(shared_data) -> None:
    path = shared_data / CYLINDER
    if not path.exists():
        pytest.skip(f"{path} is absent")
    # a 20 cm line: templates and CFAR windows scaled to it (the defaults need >= 0.7 m)
    found = detect(
        path,
        detector="gpr-hyperbola",
        half_aperture_m=0.06,
        edge_m=0.0,
        guard_m=0.02,
        train_m=0.05,
    )
    assert len(found) == 1
    best = found[0]
    assert best.x_m == pytest.approx(0.15, abs=0.01)
    eps = best.extras["relative_permittivity"]
    assert eps == pytest.approx(SOIL_PERMITTIVITY, rel=0.1)
    # the velocity of eps_r 6, and the top of the cylinder within 2 cm (the templates assume
    # coincident antennas; these are 4 cm apart)
    assert best.extras["velocity_m_per_s"] == pytest.approx(
        299_792_458.0 / math.sqrt(eps), rel=1e-4
    )
    assert best.depth_m == pytest.approx(TOP_DEPTH_M, abs=0.02)
