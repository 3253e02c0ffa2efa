"""``detsig detect``: table, exports, /candidates, presets and TOML, clear errors (exit 2)."""

from __future__ import annotations

import json

import pytest

from detsig.cli import main
from detsig.detect import detect
from detsig.io.candidates import read_candidates
from detsig.io.recording import open_recording
from detsig.sim import simulate_lane, write_lane

from .conftest import needs_jit

pytestmark = needs_jit


@pytest.fixture(scope="module")
def lane_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("detect") / "lane.h5"
    write_lane(simulate_lane("single-plastic", 1), path)
    return path


def test_table_geojson_and_csv(lane_file, tmp_path, capsys):
    geojson = tmp_path / "c.geojson"
    assert main(["detect", str(lane_file), "-o", str(geojson)]) == 0
    out = capsys.readouterr().out
    assert "x_m" in out and "fused" in out and "1 candidate(s) from fused" in out
    expected = detect(lane_file, detector="fused")
    assert read_candidates(geojson) == expected
    document = json.loads(geojson.read_text())
    assert document["features"][0]["geometry"] is None  # no GNSS: x_m in the properties
    assert document["features"][0]["properties"]["x_m"] == pytest.approx(1.5, abs=0.05)
    csv_path = tmp_path / "c.csv"
    assert main(["detect", str(lane_file), "--detector", "md-cfar", "-o", str(csv_path)]) == 0
    assert read_candidates(csv_path) == detect(lane_file, detector="md-cfar")


def test_write_into_the_recording(tmp_path, capsys):
    path = tmp_path / "lane.h5"
    write_lane(simulate_lane("single-metal", 0), path)
    assert main(["detect", str(path), "--detector", "gpr-hyperbola", "--write-into"]) == 0
    assert "stored 1 candidate(s)" in capsys.readouterr().out
    with open_recording(path) as recording:
        assert recording.candidates() == detect(path, detector="gpr-hyperbola")


def test_all_scores_threshold_and_params(lane_file, capsys):
    assert (
        main(["detect", str(lane_file), "--detector", "gpr-hyperbola", "--all-scores", "--quiet"])
        == 0
    )
    line = capsys.readouterr().out.strip().splitlines()[-1]
    n_all = int(line.split()[0])
    assert "every scored peak" in line and n_all > 1
    assert (
        main(
            [
                "detect",
                str(lane_file),
                "--detector",
                "gpr-hyperbola",
                "--threshold",
                "1e9",
                "--param",
                'cfar_method="ca"',
            ]
        )
        == 0
    )
    assert "0 candidate(s)" in capsys.readouterr().out


def test_pipeline_preset_and_toml(lane_file, tmp_path, capsys):
    assert main(["detect", str(lane_file), "--pipeline", "sensitive", "--quiet"]) == 0
    toml = tmp_path / "p.toml"
    toml.write_text('detector = "md-cfar"\nthreshold = 2.5\n[params]\ncfar_method = "os"\n')
    assert main(["detect", str(lane_file), "--pipeline", str(toml)]) == 0
    out = capsys.readouterr().out
    assert "from md-cfar" in out and "score >= 2.5" in out


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--pipeline", "strict"], "from fused in lane.h5 (score >= 1.3)"),
        (["--pipeline", "strict", "--detector", "md-cfar"], "(score >= 10)"),
        (["--pipeline", "sensitive", "--detector", "gpr-energy"], "(score >= 1.5)"),
        (["--pipeline", "strict", "--threshold", "2"], "(score >= 2)"),
        (["--param", "threshold=3", "--detector", "md-cfar"], "(score >= 3)"),
    ],
)
def test_a_preset_threshold_is_the_threshold(lane_file, capsys, extra, expected):
    """A preset that sets ``threshold`` (strict; sensitive for one sensor) runs and reports
    at that threshold; ``--threshold`` wins over it."""
    assert main(["detect", str(lane_file), *extra, "--quiet"]) == 0
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "out.txt"], "use .geojson or .csv"),
        (["--param", "bogus=1"], "no parameter 'bogus'"),
        (["--param", "novalue"], "KEY=VALUE"),
        (["--pipeline", "nope"], "neither a preset"),
        (["--gpr-stream", "gpr7"], "no GPR stream named 'gpr7'"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(
    lane_file, tmp_path, capsys, extra, message, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["detect", str(lane_file), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_existing_output_is_never_overwritten(lane_file, tmp_path, capsys):
    out = tmp_path / "c.geojson"
    out.write_text("keep")
    assert main(["detect", str(lane_file), "-o", str(out)]) == 2
    assert out.read_text() == "keep"
    assert "already exists" in capsys.readouterr().err


def test_missing_file(tmp_path, capsys):
    assert main(["detect", str(tmp_path / "none.h5")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_vendor_file(shared_data, capsys):
    path = shared_data / "gpr" / "gssi" / "FILE____032.DZT"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    assert main(["detect", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "from gpr-hyperbola in FILE____032.DZT" in out
    assert main(["detect", str(path), "--write-into"]) == 2
    assert "needs a detsig recording" in capsys.readouterr().err


def test_gnss_positions_reach_the_candidates_and_the_geojson(tmp_path, capsys):
    """Rows with lat/lon (a recording made with a GNSS receiver) give candidates with WGS84
    positions and GeoJSON points."""
    import numpy as np

    from detsig.io.recording import RecordingWriter

    lane = simulate_lane("single-metal", 0)
    path = tmp_path / "gnss.h5"
    extra = {"lat_deg": "<f8", "lon_deg": "<f8"}
    with RecordingWriter(path) as writer:
        for kind, series in (("gpr", lane.gpr), ("md", lane.md)):
            n = series.data.shape[0]
            distance = series.distance_m
            if kind == "gpr":
                stream = writer.add_gpr_stream(
                    "gpr0",
                    device=lane.hello("gpr"),
                    n_samples=series.n_samples,
                    dtype=series.data.dtype,
                    sample_interval_s=series.header.sample_interval_s,
                    center_frequency_hz=series.header.center_frequency_hz,
                    time_zero_s=series.header.time_zero_s,
                    extra_columns=extra,
                    attrs={"trace_step_m": 0.01, "antenna_height_m": 0.05},
                )
            else:
                stream = writer.add_md_stream(
                    "md0",
                    device=lane.hello("md"),
                    n_channels=series.n_channels,
                    dtype=series.data.dtype,
                    sample_rate_hz=series.sample_rate_hz,
                    channel_names=list(series.channel_names),
                    extra_columns=extra,
                )
            stream.append(
                series.data,
                seq=np.arange(n, dtype=np.uint32),
                device_time_us=np.arange(n, dtype=np.uint64),
                host_time_ns=np.arange(n, dtype=np.int64),
                distance_m=distance,
                lat_deg=45.0 + distance * 1e-5,
                lon_deg=np.full(n, 16.0),
            )
    everything = detect(path, detector="fused", all_scores=True)
    strong = max(everything, key=lambda c: c.extras["md_score"] or 0)
    assert strong.lat_deg == pytest.approx(45.0 + strong.x_m * 1e-5, abs=1e-12)
    assert strong.lon_deg == 16.0
    out = tmp_path / "c.geojson"
    assert main(["detect", str(path), "--all-scores", "-o", str(out), "--quiet"]) == 0
    feature = json.loads(out.read_text())["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["geometry"]["coordinates"][0] == 16.0
    capsys.readouterr()
    assert main(["detect", str(path), "--all-scores"]) == 0
    assert "lat_deg" in capsys.readouterr().out.splitlines()[0]


def test_output_path_is_checked_before_detecting(lane_file, tmp_path, capsys):
    missing = tmp_path / "no-such-folder" / "c.csv"
    assert main(["detect", str(lane_file), "-o", str(missing)]) == 2
    captured = capsys.readouterr()
    assert "folder" in captured.err and "does not exist" in captured.err
    assert captured.out == ""  # no table, no summary line: nothing was detected
    assert not missing.parent.exists()


def test_help_example_param_works_with_the_default_fused_detector(lane_file, capsys):
    """``--param cfar_method=os`` (the --help example) reaches fused's detectors; ``md.``
    and ``gpr.`` prefixes set one detector's parameter."""
    for param in ("cfar_method=os", "md.cfar_method=os", "gpr.n_velocities=9"):
        assert main(["detect", str(lane_file), "--param", param, "--quiet"]) == 0
        assert "from fused" in capsys.readouterr().out
    assert main(["detect", str(lane_file), "--param", "md.bogus=1"]) == 2
    assert "md-cfar has no parameter 'bogus'" in capsys.readouterr().err


def test_help_says_pipeline_is_a_detection_preset(capsys):
    with pytest.raises(SystemExit):
        main(["detect", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "detection preset" in text and "Not a processing pipeline" in text
    assert "--param cfar_method=os" in text and "md.NAME=V" in text


def test_table_marks_a_velocity_at_the_grid_limit(lane_file, capsys):
    args = ["detect", str(lane_file), "--detector", "gpr-hyperbola"]
    assert main([*args, "--param", "permittivity_min=20"]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert "eps_r at grid limit" in row and row.split()[2] == "-"  # depth unknown
