"""``detsig convert``: streams, dtypes, positions, refusals with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detsig.cli import main
from detsig.io.formats import read_any

SHARED_GPR = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "gpr").resolve()


def _sample(relative: str) -> Path:
    path = SHARED_GPR / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def test_convert_dzt_to_recording(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _sample("gssi/test_gssi.DZT")
    out = tmp_path / "line.h5"
    assert main(["convert", str(source), "-o", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["streams"] == [{"name": "gpr0", "shape": [345, 2048], "dtype": "int32"}]
    from detsig.io.recording import open_recording

    with open_recording(out) as recording:
        stream = recording.streams["gpr0"]
        assert stream.dtype == np.int32
        assert "lat_deg" in stream.columns and "lon_deg" in stream.columns
        distance = stream.column("distance_m")
        assert distance[0] == 0.0 and distance[341] == pytest.approx(10.0)
        header = json.loads(stream.attrs["vendor_header"])
        assert header["rh_nsamp"] == 2048 and header["rh_bits"] == 32
        assert recording.attrs["source_file"] == "test_gssi.DZT"
        np.testing.assert_array_equal(stream.data[:], read_any(source)[0].data)


def test_convert_gprmax_component_and_segy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sample("gprmax/cylinder_Bscan20_2D_gprMax4.out")
    out = tmp_path / "bscan.sgy"
    assert main(["convert", str(source), "-o", str(out), "--component", "Hy"]) == 0
    assert "gpr0: 20 traces x 849 samples, float32" in capsys.readouterr().out
    import h5py

    with h5py.File(source) as file:
        expected = np.asarray(file["rxs/rx1/Hy"][()]).T
        offset = float(file["rxs/rx1/Hy"].attrs["TimeSampleOffset"])
    scan = read_any(out)[0]
    np.testing.assert_array_equal(scan.data, expected)
    assert scan.header.time_zero_s == -offset  # magnetic fields sit half a step early
    np.testing.assert_allclose(scan.distance_m, 0.05 + 0.01 * np.arange(20), atol=1e-3)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--component", "Ez"], "gprMax files only"),
        (["--sample-interval-unit", "ps"], "SEG-Y input only"),
        (["--format", "nope"], "unknown input format"),
    ],
)
def test_bad_options_exit_2(
    arguments: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sample("mala/ten_col.rd3")
    code = main(["convert", str(source), "-o", str(tmp_path / "x.h5"), *arguments])
    assert code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert not (tmp_path / "x.h5").exists()


def test_existing_output_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _sample("mala/ten_col.rd3")
    out = tmp_path / "keep.h5"
    out.write_bytes(b"keep me")
    assert main(["convert", str(source), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_bytes() == b"keep me"
    assert main(["convert", str(source), "-o", str(tmp_path / "x.csv")]) == 2
    assert ".h5" in capsys.readouterr().err


def test_truncated_input_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _sample("pulseekko/XLINE00.DT1")
    for name in ("XLINE00.DT1", "XLINE00.HD"):
        (tmp_path / name).write_bytes((source.parent / name).read_bytes())
    damaged = tmp_path / "XLINE00.DT1"
    damaged.write_bytes(damaged.read_bytes()[:-1000])
    assert main(["convert", str(damaged), "-o", str(tmp_path / "x.h5")]) == 2
    error = capsys.readouterr().err.strip()
    assert "is truncated" in error and error.count("\n") == 0


@pytest.mark.parametrize(
    ("relative", "fmt", "shape"),
    [
        ("gssi/FILE____032.DZT", "gssi-dzt", [1040, 512]),
        ("pulseekko/XLINE00.HD", "pulseekko-dt1", [531, 1500]),
        ("gprmax/rectangle_gprMax3_Bscan.h5", "gprmax", [85, 1697]),
    ],
)
def test_info_accepts_vendor_files(
    relative: str, fmt: str, shape: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(_sample(relative)), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["format"] == fmt and info["streams"][0]["shape"] == shape
