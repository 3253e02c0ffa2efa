"""Acceptance test on real devices: ``pytest -m hardware --port /dev/ttyUSB0 [--baud N]``.

Skipped unless ``--port`` is given. It records each given port for a few seconds with the same
command a technician runs and checks that the device announced itself, streamed data, and that
nothing was lost or corrupted on the way.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.hardware
def test_record_from_real_devices(hardware_ports, pytestconfig, tmp_path):
    output = tmp_path / "hardware.h5"
    command = [sys.executable, "-m", "detsig", "record", "-o", str(output), "--duration", "5"]
    for port in hardware_ports:
        command += ["--port", port]
    command += ["--baud", str(pytestconfig.getoption("--baud")), "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    info = json.loads(
        subprocess.run(
            [sys.executable, "-m", "detsig", "info", str(output), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    sensors = [s for s in info["streams"] if s["kind"] in ("gpr", "md")]
    assert len(sensors) == len(hardware_ports)
    assert all(s["shape"][0] > 0 for s in sensors), sensors
    assert info["events"].get("bad_frame", 0) == 0
    assert info["events"].get("gap", 0) == 0
