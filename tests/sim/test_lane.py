"""Whole lanes: determinism, the written recording, and the ``detsig simulate`` command."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from detsig.cli import main
from detsig.errors import RecordingError
from detsig.io.recording import open_recording
from detsig.sim import simulate_lane, write_lane

#: Root attributes that differ between two writes of the same lane by design.
PER_RUN_ATTRS = {"recording_id", "created_utc"}


def test_same_seed_same_arrays_other_seed_other_arrays():
    a, b, c = (
        simulate_lane("standard", 7),
        simulate_lane("standard", 7),
        simulate_lane("standard", 8),
    )
    assert np.array_equal(a.gpr.data, b.gpr.data) and np.array_equal(a.md.data, b.md.data)
    assert a.truth == b.truth
    assert not np.array_equal(a.gpr.data, c.gpr.data)
    assert a.truth != c.truth


def _content(path):
    """Every dataset and attribute of a file, except the per-run root attributes."""
    out = {}
    with h5py.File(path, "r") as f:
        out["/"] = {k: f.attrs[k] for k in f.attrs if k not in PER_RUN_ATTRS}

        def visit(name, obj):
            attrs = {k: obj.attrs[k] for k in obj.attrs}
            if isinstance(obj, h5py.Dataset):
                out[name] = (obj[()], attrs)
            else:
                out[name] = attrs

        f.visititems(visit)
    return out


def _same(a, b):
    if isinstance(a, tuple):
        return _same(a[0], b[0]) and _same(a[1], b[1])
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(np.array_equal(np.asarray(a), np.asarray(b)))


def test_two_runs_with_one_seed_write_identical_content(tmp_path):
    first, second, other = tmp_path / "a.h5", tmp_path / "b.h5", tmp_path / "c.h5"
    assert main(["simulate", "single-plastic", "--seed", "3", "-o", str(first)]) == 0
    assert main(["simulate", "single-plastic", "--seed", "3", "-o", str(second)]) == 0
    assert main(["simulate", "single-plastic", "--seed", "4", "-o", str(other)]) == 0
    a, b, c = _content(first), _content(second), _content(other)
    assert set(a) >= {"streams/gpr0/data", "streams/md0/data", "truth/targets"}
    assert _same(a, b)
    assert not _same(a, c)


def test_written_lane_reads_back(tmp_path):
    lane = simulate_lane("standard", 2)
    path = tmp_path / "lane.h5"
    write_lane(lane, path)
    with open_recording(path) as rec:
        assert set(rec.stream_names) >= {"gpr0", "md0"}
        gpr = rec.streams["gpr0"]
        md = rec.streams["md0"]
        assert gpr.kind == "gpr" and md.kind == "md"
        scan = gpr.read_scan()
        assert np.array_equal(scan.data, lane.gpr.data)
        assert np.allclose(gpr.column("distance_m"), lane.gpr_distance_m)
        assert scan.header.time_zero_s == pytest.approx(lane.gpr.header.time_zero_s)
        series = md.read_md()
        assert np.array_equal(series.data, lane.md.data)
        assert series.channel_names == lane.md.channel_names
        assert np.allclose(md.column("distance_m"), lane.md_distance_m)
        assert np.array_equal(md.column("seq"), np.arange(lane.md.n_frames))
        assert gpr.device["device"] == "gpr" and md.device["config"]["sample_rate_hz"] == 500.0
        truth = rec.truth()
        assert truth is not None and truth == lane.truth
        assert {t.target_class for t in truth.targets} == {"mine", "clutter"}
    with pytest.raises(RecordingError, match="never overwrites"):
        write_lane(lane, path)


def test_simulate_and_info_show_both_streams_and_truth(tmp_path, capsys):
    path = tmp_path / "lane.h5"
    assert main(["simulate", "standard", "--seed", "1", "-o", str(path)]) == 0
    out = capsys.readouterr().out
    assert "gpr0 1001 traces x 256 samples" in out and "truth" in out
    assert main(["info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    text = json.dumps(info)
    assert "gpr0" in text and "md0" in text
    assert main(["info", str(path)]) == 0
    listing = capsys.readouterr().out
    assert "gpr0" in listing and "md0" in listing and "ground truth: yes" in listing


def test_list_names_the_library(capsys):
    assert main(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("standard", "minimum-metal", "clutter-heavy", "wet-clay", "hard", "empty"):
        assert f"\n{name} " in "\n" + out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[soil]\nrelative_permittivity = -3\n", "'relative_permittivity' must be >= 1"),
        ("[soil\n", "is not valid TOML"),
        ('[[targets]]\nkind = "teapot"\nx_m = 1\ndepth_m = 0\n', "'kind' = 'teapot'"),
    ],
)
def test_bad_scenario_file_is_one_sentence_and_exit_2(tmp_path, capsys, content, expected):
    bad = tmp_path / "bad.toml"
    bad.write_text(content)
    out = tmp_path / "x.h5"
    assert main(["simulate", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("detsig simulate: error: scenario ")
    assert expected in err and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["simulate", "standard"]) == 2
    assert "-o FILE.h5" in capsys.readouterr().err
    assert main(["simulate", "nosuch", "-o", str(tmp_path / "x.h5")]) == 2
    assert "no scenario named 'nosuch'" in capsys.readouterr().err
    existing = tmp_path / "exists.h5"
    existing.write_bytes(b"keep")
    assert main(["simulate", "empty", "-o", str(existing)]) == 2
    assert existing.read_bytes() == b"keep"
