"""``detsig record`` with third-party devices as a technician meets them: one file from an
Acconeer module, a text detector and a u-blox receiver at once, shown by ``detsig info`` and
``detsig view``; and a one-sentence error (exit 2) for a wrong driver, a silent device and a
wrong line speed of each."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from detsig.devices.emulator_acconeer import AcconeerEmulator
from detsig.devices.emulator_text import TextEmulator
from detsig.devices.emulator_ubx import UbxReplay
from detsig.io.recording import open_recording

from .conftest import started

pytestmark = pytest.mark.slow

EMULATORS = {"acconeer": AcconeerEmulator, "text": TextEmulator, "ubx": UbxReplay}


def detsig(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "detsig", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
    )


@pytest.fixture
def devices():
    yield from started(lambda kind, **kwargs: EMULATORS[kind](**kwargs))


def test_three_devices_in_one_file_shown_by_info_and_view(tmp_path, devices):
    radar = devices("acconeer")
    text = devices("text", rate_hz=100)
    gnss = devices("ubx", rate_hz=10, n_epochs=200)
    out = tmp_path / "lane.h5"
    result = detsig(
        "record",
        "--port",
        radar.port,  # told from its answer to get_system_info
        "--port",
        f"{text.port}@9600",  # told from its lines
        "--gnss",
        f"{gnss.port}@38400",  # told from its UBX messages
        "-o",
        str(out),
        "--duration",
        "3",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "radar0 (radar), md0 (md), gnss0 (gnss)" in result.stderr
    with open_recording(out) as recording:
        described = recording.describe()
        radar_rows = recording.streams["radar0"].n_rows
        md = recording.streams["md0"].read_md()
        track = recording.streams["gnss0"].read_track()
        lat = recording.streams["radar0"].column("lat_deg")
    kinds = {s["name"]: s["kind"] for s in described["streams"]}
    assert kinds == {"radar0": "radar", "md0": "md", "gnss0": "gnss"}
    assert radar_rows >= 4 * 20 * 2.5 and len(md.data) >= 200 and len(track.lat_deg) >= 20
    assert np.isfinite(lat).mean() > 0.8  # radar sweeps carry the GNSS position
    np.testing.assert_array_equal(md.data[:, 1:], [text.values(i)[1:] for i in md.data[:, 0] // 10])

    info = detsig("info", str(out))
    assert info.returncode == 0, info.stderr
    for name in ("radar0", "md0", "gnss0"):
        assert name in info.stdout
    as_json = json.loads(detsig("info", str(out), "--json").stdout)
    radar_entry = next(s for s in as_json["streams"] if s["name"] == "radar0")
    assert radar_entry["step_m"] == pytest.approx(0.005) and radar_entry["sweeps_per_frame"] == 4
    assert radar_entry["device"]["config"]["num_points"] == 40

    picture = tmp_path / "lane.png"
    view = detsig("view", str(out), "--screenshot", str(picture))
    assert view.returncode == 0, view.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(picture))
    assert image.width() > 400 and image.height() > 300
    # The B-scan shows the radar's drifting reflector: the picture is not one flat colour.
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50


def one_sentence_exit_2(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


CASES = {
    # kind: (emulator kwargs, wrong driver args + phrases, right driver args, wrong baud args)
    "acconeer": (
        {},
        (["--port", "{port}:text"], "no line of numbers", "give PATH:acconeer"),
        ["--port", "{port}:acconeer"],
        ["--port", "{port}:acconeer", "--baud", "9600"],
        "no answer to 'get_system_info'",
    ),
    "text": (
        {},
        (["--port", "{port}:acconeer@9600"], "no answer to 'get_system_info'", "give PATH:text"),
        ["--port", "{port}:text@9600"],
        ["--port", "{port}:text", "--baud", "115200"],
        "no line of numbers",
    ),
    "ubx": (
        {},
        (["--gnss", "{port}:nmea@38400"], "no NMEA sentence", "give PATH:ubx"),
        ["--gnss", "{port}:ubx@38400"],
        ["--gnss", "{port}:ubx", "--gnss-baud", "9600"],
        "no UBX NAV-PVT",
    ),
}


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("fault", ["wrong driver", "silent device", "wrong baud rate"])
def test_one_sentence_errors(tmp_path, devices, kind, fault):
    kwargs, wrong, right, wrong_baud, step_phrase = CASES[kind]
    device = devices(kind, silent=fault == "silent device", **kwargs)
    out = tmp_path / "x.h5"
    if fault == "wrong driver":
        args, *phrases = wrong
    elif fault == "silent device":
        args, phrases = right, [step_phrase, "nothing at all"]
    else:
        args, phrases = wrong_baud, [step_phrase, "baud"]
    args = [a.format(port=device.port) for a in args]
    result = detsig("record", *args, "-o", str(out), "--hello-timeout", "1")
    one_sentence_exit_2(result, *phrases)
    assert not out.exists()


def test_a_setting_the_module_refuses_names_the_setup_step(tmp_path, devices):
    device = devices("acconeer")
    out = tmp_path / "x.h5"
    result = detsig(
        "record",
        "--port",
        f"{device.port}:acconeer",
        "--acconeer",
        "num_points=2000",
        "-o",
        str(out),
    )
    one_sentence_exit_2(result, "refused 'setup'", "4 sweeps of 2000 points do not fit")
    assert device.report["commands"][-1] == "setup" and not out.exists()


def test_an_unknown_acconeer_setting_is_a_usage_error(tmp_path):
    result = detsig(
        "record", "--port", "/dev/null:acconeer", "--acconeer", "points=9", "-o", "x.h5"
    )
    one_sentence_exit_2(result, "--acconeer 'points=9' is not KEY=VALUE with a known key")
