"""``detsig view`` on the command line: screenshots, options and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from detsig.cli import main

from .test_screenshot import png_array

pytestmark = pytest.mark.gui


def test_screenshot_written(
    tmp_path: Path, lane_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "lane.png"
    code = main(["view", str(lane_path), "--screenshot", str(png), "--preset", "processed"])
    assert code == 0
    assert f"wrote {png}" in capsys.readouterr().out
    assert png_array(png).shape == (900, 1400, 3)


def test_options_start_depth_trace_axis(tmp_path: Path, lane_path: Path) -> None:
    png = tmp_path / "depth.png"
    args = ["view", str(lane_path), "--screenshot", str(png), "--start-m", "4", "--window", "300"]
    args += ["--depth", "--eps-r", "9", "--cmap", "seismic", "--size", "800x600", "--trace-axis"]
    assert main(args) == 0
    assert png_array(png).shape == (600, 800, 3)


def test_vendor_file_screenshot(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "gpr/gssi/FILE____032.DZT"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    png = tmp_path / "dzt.png"
    assert main(["view", str(path), "--screenshot", str(png)]) == 0
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--window", "1"], "--window must be at least 2"),
        (["--eps-r", "0.5"], "--eps-r must lie between 1"),
        (["--size", "huge"], "--size must look like 1400x900"),
        (["--follow"], "drop --follow"),
    ],
)
def test_bad_arguments_exit_2(
    tmp_path: Path,
    lane_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    code = main(["view", str(lane_path), "--screenshot", str(tmp_path / "x.png"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_never_overwrites_a_screenshot(
    tmp_path: Path, lane_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "taken.png"
    png.write_bytes(b"keep me")
    assert main(["view", str(lane_path), "--screenshot", str(png)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert png.read_bytes() == b"keep me"


def test_missing_and_foreign_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["view", str(tmp_path / "nope.h5"), "--screenshot", str(tmp_path / "a.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    assert main(["view", str(text), "--screenshot", str(tmp_path / "b.png")]) == 2
    assert "text file" in capsys.readouterr().err


def test_window_needs_a_display(lane_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the tests run with QT_QPA_PLATFORM=offscreen: no window can be shown
    assert main(["view", str(lane_path)]) == 2
    assert "--screenshot" in capsys.readouterr().err


def test_truth_json_overlay(tmp_path: Path, lane_path: Path) -> None:
    import json

    from detsig.io.recording import open_recording

    with open_recording(lane_path) as recording:
        truth = recording.truth()
    assert truth is not None
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(truth.to_dict()))
    assert (
        main(
            ["view", str(lane_path), "--truth", str(path), "--screenshot", str(tmp_path / "t.png")]
        )
        == 0
    )


def test_record_view_without_display_fails_before_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``detsig record --view`` checks for a display before it creates the file."""
    from detsig.sim.emulator import EmulatedDevice

    out = tmp_path / "lane.h5"
    with EmulatedDevice("gpr", "single-metal", 1, wait_start=True) as device:
        assert device.port is not None
        port = device.port
        code = main(["record", "--port", port, "-o", str(out), "--view", "--duration", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert "needs a display" in err and "Traceback" not in err
    assert not out.exists()
