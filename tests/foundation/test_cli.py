"""The ``detsig`` command: fast help, ``info`` on good and bad files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from detsig.cli import COMMANDS, main
from detsig.io.recording import RecordingWriter


def _detsig(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detsig", *args], capture_output=True, text=True, check=False
    )


def test_help_and_version_import_no_heavy_module():
    """``detsig --help`` stays fast by never importing numpy, h5py, numba, scipy or Qt."""
    code = (
        "import sys, contextlib, io\n"
        "from detsig.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        "heavy = [m for m in ('numpy', 'h5py', 'numba', 'scipy', 'PySide6', 'pyqtgraph')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_help_lists_commands_and_version_answers():
    result = _detsig("--help")
    assert result.returncode == 0
    assert "info" in result.stdout
    version = _detsig("--version")
    assert version.returncode == 0 and version.stdout.startswith("detsig ")


def test_every_command_has_help_with_an_example(capsys):
    available = [
        name
        for name in COMMANDS
        if (Path(__file__).parents[2] / "src/detsig/cli").joinpath(f"cmd_{name}.py").exists()
    ]
    assert "info" in available
    for name in available:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        assert "example" in out and f"detsig {name}" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


@pytest.fixture
def recording(tmp_path) -> Path:
    path = tmp_path / "lane.h5"
    with RecordingWriter(path, operator="ana") as writer:
        gpr = writer.add_gpr_stream(
            "gpr0",
            n_samples=16,
            dtype="int16",
            sample_interval_s=1e-10,
            center_frequency_hz=1e9,
            device={"device": "gpr", "model": "emu-gpr", "serial": "7", "firmware": "1"},
        )
        gpr.append(
            np.zeros((100, 16), np.int16),
            device_time_us=np.arange(100) * 10_000,
            distance_m=np.arange(100) * 0.01,
        )
        md = writer.add_md_stream("md0", n_channels=2, dtype="int16", sample_rate_hz=500.0)
        md.append(np.zeros((1000, 2), np.int16))
        writer.add_event("gap", stream="gpr0", detail="2 missing")
        writer.add_event("gap", stream="gpr0", detail="1 missing")
        writer.add_event("bad_frame", stream="md0", detail="crc")
    return path


def test_info_json_has_the_documented_fields(recording):
    result = _detsig("info", str(recording), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["path"] == str(recording)
    assert info["format"] == "detsig-recording"
    assert info["events"] == {"gap": 2, "bad_frame": 1}
    assert info["has_truth"] is False and info["has_candidates"] is False
    gpr, md = info["streams"]
    assert gpr["name"] == "gpr0" and gpr["kind"] == "gpr"
    assert gpr["shape"] == [100, 16] and gpr["dtype"] == "int16"
    assert gpr["sample_interval_s"] == 1e-10
    assert gpr["duration_s"] == pytest.approx(1.0)
    assert gpr["device"]["model"] == "emu-gpr"
    assert md["sample_rate_hz"] == 500.0 and md["duration_s"] == pytest.approx(2.0)


def test_info_text_names_streams_and_events(recording):
    result = _detsig("info", str(recording))
    assert result.returncode == 0, result.stderr
    assert "gpr0" in result.stdout and "md0" in result.stdout
    assert "gap 2" in result.stdout and "emu-gpr" in result.stdout


def _one_sentence_exit_2(path: Path, expected: str) -> None:
    result = _detsig("info", str(path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert result.stdout == ""


def test_info_on_foreign_hdf5(tmp_path):
    path = tmp_path / "foreign.h5"
    with h5py.File(path, "w") as file:
        file["x"] = np.arange(3)
    _one_sentence_exit_2(path, "not a detsig recording")


def test_info_on_truncated_recording(recording, tmp_path):
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(recording.read_bytes()[: recording.stat().st_size // 3])
    _one_sentence_exit_2(truncated, "damaged or truncated")


def test_info_on_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("lane 3, 12 mines\n")
    _one_sentence_exit_2(path, "text file")


def test_info_on_missing_file(tmp_path):
    _one_sentence_exit_2(tmp_path / "nope.h5", "does not exist")


def test_future_format_version_is_refused(recording):
    with h5py.File(recording, "r+") as file:
        file.attrs["format_version"] = 2
    _one_sentence_exit_2(recording, "format_version 2")


def test_debug_shows_the_traceback(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = _detsig("--debug", "info", str(path))
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_info_on_a_bit_flipped_superblock(recording, tmp_path):
    """A flipped bit in the HDF5 superblock version is one sentence, not a traceback."""
    damaged = tmp_path / "flipped.h5"
    raw = bytearray(recording.read_bytes())
    raw[8] ^= 0x40  # superblock version byte, right after the 8-byte HDF5 signature
    damaged.write_bytes(bytes(raw))
    result = _detsig("info", str(damaged))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
