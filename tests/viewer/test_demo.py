"""``detsig demo``: emulated devices -> live session with detection -> score -> folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from detsig.errors import InputError
from detsig.jobs.demo import DEMO_FILES, choose_folder, run_demo

pytestmark = pytest.mark.gui


def test_choose_folder_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "given"
    assert choose_folder(out) == out
    out.mkdir()
    (out / "unrelated.txt").write_text("x")
    assert choose_folder(out) == out  # other files do not matter
    (out / "lane.h5").write_bytes(b"")
    with pytest.raises(InputError, match=r"already holds lane\.h5"):
        choose_folder(out)
    monkeypatch.chdir(tmp_path)
    assert choose_folder(None) == Path("detsig-demo")
    Path("detsig-demo").mkdir()
    assert choose_folder(None) == Path("detsig-demo")  # empty: usable
    Path("detsig-demo/lane.h5").write_bytes(b"")
    assert choose_folder(None) == Path("detsig-demo-2")


@pytest.mark.slow
def test_demo_records_detects_scores_and_writes(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(tmp_path / "demo", seed=1, duration_s=30.0, speed=4.0, log=lines.append)
    for name in DEMO_FILES:
        assert (result.folder / name).stat().st_size > 0, name
    # nothing was lost between the emulated devices and the file
    for stream in result.streams.values():
        assert stream["gaps"] == 0 and stream["bad_frames"] == 0
        assert stream["rows"] > 0
    assert result.streams["gpr0"]["rows"] == 1001
    # detection ran live and finds the mines of the standard lane
    assert result.candidates
    assert result.summary["n_targets"] == 6
    assert result.summary["pd"] >= 0.5
    assert "Pd " in result.score_text
    geojson = json.loads((result.folder / "candidates.geojson").read_text())
    assert len(geojson["features"]) == len(result.candidates)
    assert result.table.splitlines()[0].split()[:4] == ["#", "x_m", "depth_m", "score"]


@pytest.mark.slow
def test_demo_command_line(tmp_path: Path) -> None:
    out = tmp_path / "cli-demo"
    command = [sys.executable, "-m", "detsig", "demo", "--out", str(out), "--duration", "5"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    assert "candidates flagged live" in done.stdout
    assert "score against the lane's ground truth" in done.stdout
    assert (out / "lane.png").exists()
    # a second run into the same folder refuses, in one sentence
    again = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 2
    assert "already holds" in again.stderr and "Traceback" not in again.stderr
