"""``detsig process``: a new recording with processed streams, copies and provenance."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np
import pytest

from detsig import __version__, dsp
from detsig.cli import main
from detsig.dsp.pipeline import load_pipeline
from detsig.io.recording import RecordingWriter, open_recording
from detsig.model import GprHeader, GroundTruth, MdHeader, PositionTrack, TruthTarget


def _make_recording(path: Path, n_traces: int = 300, n_frames: int = 2000) -> None:
    rng = np.random.default_rng(5)
    t = np.arange(128)
    wavelet = np.exp(-(((t - 20) / 3.0) ** 2)) * np.cos(2 * np.pi * (t - 20) / 10)
    gpr = (2000 * wavelet[None, :] + rng.normal(0, 50, size=(n_traces, 128))).astype(np.int16)
    md = (rng.normal(0, 5, size=(n_frames, 3)) + np.linspace(0, 500, n_frames)[:, None]).astype(
        np.int16
    )
    truth = GroundTruth(
        x_start_m=0.0,
        x_end_m=6.0,
        targets=(
            TruthTarget(
                id="t1", target_class="mine", kind="PMA-2", x_m=2.0, depth_m=0.05, size_m=0.11
            ),
        ),
    )
    with RecordingWriter(path, operator="ana", site="lane 4") as writer:
        g = writer.add_gpr_stream(
            "gpr0",
            n_samples=128,
            dtype="int16",
            sample_interval_s=1e-10,
            center_frequency_hz=1e9,
            # stated: these tests are about the steps (unstated, time zero is estimated at the
            # wavelet, 2 ns, as the detectors do: tests/foundation/test_one_geometry.py)
            time_zero_s=0.0,
            attrs={"trace_step_m": 0.02},
        )
        g.append(gpr, distance_m=np.arange(n_traces) * 0.02)
        m = writer.add_md_stream(
            "md0",
            n_channels=3,
            dtype="int16",
            sample_rate_hz=500.0,
            channel_names=["g0", "g1", "g2"],
        )
        m.append(md)
        gnss = writer.add_gnss_stream("gnss0")
        gnss.append(
            PositionTrack(
                host_time_ns=np.arange(3, dtype=np.int64),
                utc_time_s=np.arange(3.0),
                lat_deg=np.full(3, 45.0),
                lon_deg=np.full(3, 16.0),
                alt_m=np.zeros(3),
                fix_quality=np.ones(3, dtype=np.int8),
                n_satellites=np.full(3, 9, np.int8),
                hdop=np.ones(3),
            )
        )
        writer.add_event("mark", stream="gpr0", detail="lane start", host_time_ns=7)
        writer.write_truth(truth)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "lane.h5"
    _make_recording(path)
    return path


def test_process_default_presets(recording: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "processed.h5"
    assert main(["process", str(recording), "-o", str(out), "--chunk-rows", "37"]) == 0
    text = capsys.readouterr().out
    assert "gpr0: gpr, 300 rows processed" in text and "streamed" in text
    with open_recording(recording) as raw, open_recording(out) as rec:
        gpr = rec.streams["gpr0"]
        assert gpr.dtype == np.float32 and gpr.n_rows == 300
        provenance = json.loads(gpr.attrs["processing"])
        assert provenance["detsig_version"] == __version__
        assert provenance["input_recording_id"] == raw.attrs["recording_id"]
        assert [s["step"] for s in provenance["steps"]] == [
            "time_zero",
            "dewow",
            "bandpass",
            "remove_background",
            "gain_power",
        ]
        # chunked file processing equals the batch pipeline on the whole stream
        bound = load_pipeline("gpr-default").bind(
            GprHeader(sample_interval_s=1e-10, trace_step_m=0.02, center_frequency_hz=1e9)
        )
        expected = bound.run(raw.streams["gpr0"].data[:])
        np.testing.assert_allclose(gpr.data[:], expected, rtol=1e-5, atol=1e-3)
        np.testing.assert_array_equal(
            gpr.column("distance_m"), raw.streams["gpr0"].column("distance_m")
        )
        md = rec.streams["md0"]
        md_expected = (
            load_pipeline("md-default")
            .bind(MdHeader(500.0, ("g0", "g1", "g2")))
            .run(raw.streams["md0"].data[:])
        )
        np.testing.assert_allclose(md.data[:], md_expected, atol=1e-4)
        assert rec.streams["gnss0"].n_rows == 3
        assert [e.kind for e in rec.events()] == ["mark"]
        assert rec.truth() == raw.truth() and len(rec.truth().targets) == 1
        assert rec.attrs["operator"] == "ana"
    with h5py.File(out, "r") as file:
        record = json.loads(file["processing"][()])
        assert set(record["streams"]) == {"gpr0", "md0"}
        assert record["input_file"] == str(recording)


def test_process_toml_pipeline_with_whole_line_step(recording: Path, tmp_path: Path) -> None:
    toml = tmp_path / "mig.toml"
    toml.write_text(
        'name = "mig"\n[[gpr]]\nstep = "remove_background"\n'
        '[[gpr]]\nstep = "migrate_stolt"\nvelocity_m_per_s = 1.0e8\n'
    )
    out = tmp_path / "mig.h5"
    assert main(["process", str(recording), "-o", str(out), "--pipeline", str(toml)]) == 0
    with open_recording(recording) as raw, open_recording(out) as rec:
        x = raw.streams["gpr0"].data[:]
        expected = dsp.migrate_stolt(dsp.remove_background(x), 1e-10, 0.02, 1e8)
        np.testing.assert_allclose(rec.streams["gpr0"].data[:], expected, rtol=1e-4, atol=1e-2)
        # md0 has no steps in this pipeline: copied as it was
        assert rec.streams["md0"].dtype == np.int16
        np.testing.assert_array_equal(rec.streams["md0"].data[:], raw.streams["md0"].data[:])


def test_process_time_to_depth_changes_width(recording: Path, tmp_path: Path) -> None:
    toml = tmp_path / "depth.toml"
    toml.write_text('[[gpr]]\nstep = "time_to_depth"\nvelocity_m_per_s = 1.0e8\n')
    out = tmp_path / "depth.h5"
    assert main(["process", str(recording), "-o", str(out), "--pipeline", str(toml)]) == 0
    with open_recording(out) as rec:
        gpr = rec.streams["gpr0"]
        assert gpr.attrs["sample_axis"] == "depth_m"
        assert gpr.attrs["depth_step_m"] == pytest.approx(0.005)
        assert gpr.data.shape == (300, 128)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[gpr]]\nstep = "gain_power"\n', "missing the required parameter power"),
        ('[[gpr]]\nstep = "dewow"\n', "exactly one of window_samples and window_periods"),
        ('[[gpr]]\nstep = "dewow"\nwindow_samples = 4\n', "[[gpr]] step 1 (dewow): window_samples"),
        (
            '[[gpr]]\nstep = "envelope"\n'
            '[[gpr]]\nstep = "time_to_depth"\nvelocity_m_per_s = -1.0\n',
            "[[gpr]] step 2 (time_to_depth): velocity_m_per_s must be a finite number > 0",
        ),
        (
            '[[md]]\nstep = "smooth"\nwindow_s = 0.1\n[[md]]\nstep = "bandpass"\nhigh_hz = 400.0\n',
            "[[md]] step 2 (bandpass): high_hz must lie between 0 and the Nyquist frequency 250",
        ),
        ('[[gpr]]\nstep = "dewoww"\n', "unknown gpr step 'dewoww'"),
        ('[[gpr]]\nstep = "dewow"\nwindow = 3\n', "unknown parameter"),
        ('[[gpr]]\nstep = "dewow"\nwindow_samples = "3"\n', "window_samples must be int"),
        ('[[gpr]]\nstep = "bandpass"\nlow_hz = 9e9\n', "Nyquist"),
        (
            '[[gpr]]\nstep = "time_to_depth"\nvelocity_m_per_s = 1e8\n[[gpr]]\nstep = "envelope"\n',
            "must be the last step",
        ),
        ("[[gpr]\n", "not valid TOML"),
        ('colour = "red"\n', "unknown key"),
    ],
)
def test_bad_pipelines_exit_2_without_output(
    recording: Path, tmp_path: Path, capsys, toml: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    out = tmp_path / "never.h5"
    assert main(["process", str(recording), "-o", str(out), "--pipeline", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_process_refuses_to_overwrite(recording: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "exists.h5"
    out.write_bytes(b"keep me")
    assert main(["process", str(recording), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"


def test_process_unknown_preset_and_stream(recording: Path, tmp_path: Path, capsys) -> None:
    assert (
        main(["process", str(recording), "-o", str(tmp_path / "a.h5"), "--pipeline", "nope"]) == 2
    )
    assert "no preset or file named 'nope'" in capsys.readouterr().err
    assert main(["process", str(recording), "-o", str(tmp_path / "b.h5"), "--streams", "gpr9"]) == 2
    assert "no stream(s) ['gpr9']" in capsys.readouterr().err
    assert not (tmp_path / "b.h5").exists()


def test_list_steps(capsys) -> None:
    assert main(["process", "--list-steps"]) == 0
    text = capsys.readouterr().out
    assert "migrate_kirchhoff" in text
    assert "presets: gpr-default, gpr-detect, gpr-display, md-default" in text


def test_process_vendor_file(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("detsig.io.formats")
    source = shared_data / "gpr" / "gssi" / "FILE____032.DZT"
    out = tmp_path / "dzt.h5"
    assert main(["process", str(source), "-o", str(out), "--no-progress"]) == 0
    with open_recording(out) as rec:
        gpr = rec.streams["gpr0"]
        assert gpr.data.shape == (1040, 512) and gpr.dtype == np.float32
        assert np.isfinite(gpr.data[:]).all()
        assert json.loads(gpr.attrs["processing"])["input_file"] == str(source)


def test_process_gpr_detect_writes_what_the_detector_sees(tmp_path: Path, capsys) -> None:
    from detsig.detect.gpr_common import GprPreprocessor
    from detsig.detect.lane_input import load_lane
    from detsig.sim import simulate_lane, write_lane

    lane_path = tmp_path / "lane.h5"
    write_lane(simulate_lane("single-plastic", seed=1), lane_path)
    out = tmp_path / "detect.h5"
    assert main(["process", str(lane_path), "-o", str(out), "--preset", "gpr-detect"]) == 0
    assert "dewow -> remove_background -> remove_surface_clutter" in capsys.readouterr().out
    with load_lane(lane_path) as lane:
        gpr = lane.gpr
        assert gpr is not None
        data, distance_m = gpr.rows.rows(0, gpr.rows.n_rows)[:2]
        seen, _ = GprPreprocessor(gpr.header, 1.5).process(data, distance_m, final=True)
    with open_recording(out) as recording:
        written = np.asarray(recording.streams["gpr0"].data[:])
    assert written.dtype == np.float32
    # the job computes in float32, the detectors in float64
    np.testing.assert_allclose(written, seen, rtol=0, atol=1e-5 * np.abs(seen).max())
