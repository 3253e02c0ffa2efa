"""One detector table: the CLI, the benchmark and the live path derive from detect.registry."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.bench.detectors import available_detectors, operating_threshold, parameter_sets
from detsig.detect import (
    DETECTOR_CHOICES,
    DETECTOR_NAMES,
    DETECTORS,
    PRESETS,
    DetectProcessor,
    EnergyParams,
    FusionParams,
    HyperbolaParams,
    MdDetectorParams,
    detection_preset,
    get_detector,
)
from detsig.errors import InputError
from detsig.model import MdHeader, RowBlock


def test_the_table_names_every_detector_once_in_order():
    assert DETECTOR_NAMES == ("md-cfar", "gpr-energy", "gpr-hyperbola", "fused")
    assert ("auto", *DETECTOR_NAMES) == DETECTOR_CHOICES
    assert {name: d.params_type for name, d in DETECTORS.items()} == {
        "md-cfar": MdDetectorParams,
        "gpr-energy": EnergyParams,
        "gpr-hyperbola": HyperbolaParams,
        "fused": FusionParams,
    }
    assert available_detectors() == list(DETECTOR_NAMES)


def test_presets_keep_their_values():
    """The presets that lived in the command line, unchanged."""
    assert PRESETS == {
        "default": {},
        "sensitive": {
            "md-cfar": {"threshold": 4.0},
            "gpr-energy": {"threshold": 1.5},
            "gpr-hyperbola": {"threshold": 7.5},
            "fused": {"md_threshold": 4.0, "gpr_threshold": 7.0},
        },
        "strict": {
            "md-cfar": {"threshold": 10.0},
            "gpr-energy": {"threshold": 2.2},
            "gpr-hyperbola": {"threshold": 14.0},
            "fused": {"threshold": 1.3},
        },
    }
    copy = detection_preset("strict")
    copy["md-cfar"]["threshold"] = 0.0  # a copy: the table stays as it is
    assert PRESETS["strict"]["md-cfar"]["threshold"] == 10.0
    with pytest.raises(InputError, match="no detection preset 'loose'") as caught:
        detection_preset("loose")
    assert caught.value.parameters == ("preset",)


def test_bench_configurations_come_from_the_table():
    assert parameter_sets("md-cfar") == [{}, {"cfar_method": "os"}]
    assert parameter_sets("gpr-energy") == [{}]
    assert parameter_sets("gpr-hyperbola") == [{}, {"n_velocities": 9}]
    assert parameter_sets("fused") == [{}, {"association_m": 0.3}]
    for name in DETECTOR_NAMES:
        assert operating_threshold(name, {}) == get_detector(name).default_threshold
    assert get_detector("fused").default_threshold == 1.0


def _md_stream() -> MdHeader:
    return MdHeader(500.0, ("gate0",))


@pytest.mark.parametrize(("preset", "expected"), [("default", 6.0), ("strict", 10.0)])
def test_the_live_processor_takes_the_table_presets(preset, expected):
    processor = DetectProcessor("auto", preset=preset)
    processor.on_start({"md0": _md_stream()})
    assert processor.lane is not None and processor.lane.name == "md-cfar"
    assert processor.lane.md_detector is not None
    assert processor.lane.md_detector.params.threshold == expected
    # an explicit parameter wins over the preset
    explicit = DetectProcessor("md-cfar", preset="strict", threshold=5.0)
    explicit.on_start({"md0": _md_stream()})
    assert explicit.lane is not None and explicit.lane.md_detector is not None
    assert explicit.lane.md_detector.params.threshold == 5.0
    x = np.random.default_rng(1).normal(0, 2, (3000, 1))
    x[1500:1550] += 300.0
    rows = RowBlock(
        x,
        np.zeros(len(x), np.uint32),
        np.zeros(len(x), np.uint64),
        np.zeros(len(x), np.int64),
    )
    found = processor.on_rows("md0", rows) + processor.on_stop()
    assert [c.detector for c in found] == ["md-cfar"]


def test_unknown_detector_names_say_the_choices_everywhere():
    with pytest.raises(InputError, match="choose one of auto, md-cfar") as caught:
        DetectProcessor("magic")
    assert caught.value.parameters == ("detector",)
    with pytest.raises(InputError, match="choose one of md-cfar, gpr-energy"):
        get_detector("magic")


def test_record_detect_preset_is_checked_against_the_table(tmp_path, capsys):
    from detsig.cli import main

    out = tmp_path / "x.h5"
    args = ["record", "--port", str(tmp_path / "tty0"), "--detect", "-o", str(out)]
    assert main([*args, "--detect-preset", "loose"]) == 2
    assert capsys.readouterr().err.strip() == (
        "detsig record: error: --detect-preset 'loose' is not a detection preset; choose one "
        "of default, sensitive, strict"
    )
    # a known preset gets as far as the port (which does not exist)
    assert main([*args, "--detect-preset", "strict"]) == 2
    assert "does not exist" in capsys.readouterr().err and not out.exists()


def test_live_processor_passes_the_preset():
    from detsig.detect import live_processor

    processor = live_processor("md-cfar", preset="sensitive")
    processor.on_start({"md0": _md_stream()})
    assert processor.lane is not None and processor.lane.md_detector is not None
    assert processor.lane.md_detector.params.threshold == 4.0
