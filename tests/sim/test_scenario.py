"""Scenario schema: the library, validation messages, random placement."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.errors import ScenarioError
from detsig.sim import list_scenarios, load_scenario, scenario_from_dict
from detsig.sim.scenario import TARGET_KINDS
from detsig.sim.targets import resolve_targets

REQUIRED = {
    "standard",
    "minimum-metal",
    "clutter-heavy",
    "wet-clay",
    "hard",
    "single-metal",
    "single-plastic",
    "empty",
}


def test_library_has_the_named_scenarios_and_all_load():
    names = list_scenarios()
    assert set(names) >= REQUIRED
    for name, description in names.items():
        scenario = load_scenario(name)
        assert scenario.name == name
        assert description and description.endswith(".")
        resolve_targets(scenario, np.random.default_rng(0))


def test_standard_is_a_mixed_lane_with_mines_and_clutter_in_0_to_20_cm():
    scenario = load_scenario("standard")
    targets = resolve_targets(scenario, np.random.default_rng(3))
    classes = {t.target_class for t in targets}
    kinds = {t.kind for t in targets}
    assert classes == {"mine", "clutter"}
    assert {"ap-plastic", "ap-metal", "at"} <= kinds
    assert all(0.0 <= t.depth_m <= 0.20 for t in targets)
    positions = sorted(t.x_m for t in targets)
    assert min(np.diff(positions)) >= scenario.lane.min_spacing_m - 1e-9


def test_populate_depends_on_the_seed_only():
    scenario = load_scenario("standard")
    a = resolve_targets(scenario, np.random.default_rng(5))
    b = resolve_targets(scenario, np.random.default_rng(5))
    c = resolve_targets(scenario, np.random.default_rng(6))
    assert a == b
    assert [t.x_m for t in a] != [t.x_m for t in c]


def test_kind_defaults_and_class():
    scenario = scenario_from_dict(
        {
            "targets": [
                {"kind": "ap-plastic", "x_m": 2.0, "depth_m": 0.05},
                {"kind": "nail", "x_m": 3.0, "depth_m": 0.0, "id": "n"},
            ]
        },
        source="t.toml",
    )
    mine, nail = scenario.targets
    assert mine.target_class == "mine" and mine.material == "plastic" and mine.metal == "steel"
    assert 0 < mine.metal_mass_g < 1
    assert nail.target_class == "clutter" and nail.id == "n" and nail.material == "metal"
    assert set(TARGET_KINDS) >= {
        "ap-plastic",
        "ap-metal",
        "at",
        "uxo",
        "shrapnel",
        "nail",
        "rock",
        "void",
        "root",
    }


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"soil": {"relative_permittivity": 0.5}}, "[soil] 'relative_permittivity' must be >= 1"),
        ({"soil": {"conductivity_s_per_m": "wet"}}, "'conductivity_s_per_m' must be a number"),
        ({"soil": {"colour": "red"}}, "[soil] unknown key 'colour'"),
        ({"gpr": {"n_samples": 2.5}}, "'n_samples' must be a whole number"),
        ({"gpr": {"sample_interval_s": 1e-9}}, "undersamples"),
        ({"md": {"kind": "magnet"}}, "'kind' = 'magnet' is not one of pi, vlf"),
        ({"md": {"gate_delays_s": [3e-5, 1e-5]}}, "'gate_delays_s' must increase"),
        ({"lane": {"length_m": -1}}, "[lane] 'length_m' must be > 0"),
        ({"targets": [{"kind": "teapot", "x_m": 1, "depth_m": 0}]}, "'kind' = 'teapot'"),
        ({"targets": [{"kind": "nail", "depth_m": 0}]}, "[[targets]] #1 'x_m' is required"),
        ({"targets": [{"kind": "nail", "x_m": 50, "depth_m": 0}]}, "'x_m' must be >= 0 and <= 10"),
        ({"targets": [{"kind": "nail", "x_m": 1, "depth_m": 0, "metal": "gold"}]}, "'metal'"),
        ({"populate": [{"kind": "nail"}]}, "[[populate]] #1 'count' is required"),
        ({"populate": [{"kind": "nail", "count": 1, "depth_m": [0.2, 0.1]}]}, "'depth_m' must be"),
        ({"soil": {"layers": [{"depth_m": 0.3}]}}, "'relative_permittivity' is required"),
        ({"weather": "rain"}, "unknown key 'weather'"),
    ],
)
def test_bad_values_name_the_key(document, expected):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(document, source="bad.toml")
    message = str(info.value)
    assert message.startswith("scenario bad.toml: ")
    assert expected in message
    assert "\n" not in message


def test_duplicate_ids_and_impossible_spacing_are_refused():
    with pytest.raises(ScenarioError, match="id 'a' is used more than once"):
        scenario_from_dict(
            {
                "targets": [
                    {"id": "a", "kind": "nail", "x_m": 1, "depth_m": 0},
                    {"id": "a", "kind": "rock", "x_m": 2, "depth_m": 0},
                ]
            }
        )
    crowded = scenario_from_dict(
        {
            "lane": {"length_m": 2.0, "min_spacing_m": 1.0},
            "populate": [{"kind": "nail", "count": 5}],
        }
    )
    with pytest.raises(ScenarioError, match="cannot place 5 random targets"):
        resolve_targets(crowded, np.random.default_rng(0))


def test_files_and_unknown_names(tmp_path):
    with pytest.raises(ScenarioError, match="no scenario named 'nope'; choose one of"):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[soil\n")
    with pytest.raises(ScenarioError, match="is not valid TOML"):
        load_scenario(broken)
    good = tmp_path / "mine.toml"
    good.write_text('description = "x"\n[[targets]]\nkind = "uxo"\nx_m = 1.0\ndepth_m = 0.1\n')
    scenario = load_scenario(good)
    assert scenario.name == "mine" and scenario.targets[0].target_class == "mine"
