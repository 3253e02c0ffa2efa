"""``detsig survey`` on sweeps recorded by ``detsig record --gnss``: emulated GPR and metal
detector, a real NMEA capture replayed in real time on a pty as the receiver."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
import tty

import pytest

from detsig.cli import main
from detsig.io.recording import open_recording
from detsig.sim.emulator import EmulatedDevice

pytestmark = pytest.mark.slow


class PacedNmea:
    """The lines of a capture written to a raw pty, one GGA epoch every ``period_s``."""

    def __init__(self, text: str, period_s: float = 0.1) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        epochs: list[list[str]] = []
        for line in text.splitlines():
            if not line.startswith("$"):
                continue
            if "GGA," in line[:7] or not epochs:
                epochs.append([])
            epochs[-1].append(line + "\r\n")
        self.epochs = epochs
        self.period_s = period_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        for number, epoch in enumerate(self.epochs):
            if self.stop.is_set():
                return
            os.write(self.master, "".join(epoch).encode("ascii"))
            self.stop.wait(max(0.0, start + (number + 1) * self.period_s - time.monotonic()))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        os.close(self.master)
        os.close(self.slave)


def _record(path, capture: str) -> None:
    devices = [
        EmulatedDevice(kind, "single-metal", seed=1, wait_start=True) for kind in ("gpr", "md")
    ]
    ports = [device.start() for device in devices]
    receiver = PacedNmea(capture)
    try:
        command = [sys.executable, "-m", "detsig", "record", "--quiet", "--duration", "7"]
        for port in ports:
            command += ["--port", port]
        command += ["--gnss", receiver.port, "-o", str(path)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    finally:
        receiver.close()
        for device in devices:
            device.stop()


def test_dig_list_of_gnss_recorded_sweeps_has_lat_lon(shared_data, tmp_path, capsys):
    text = (shared_data / "gnss" / "nmea-rtk.log").read_text(encoding="ascii", errors="replace")
    lines = [line for line in text.splitlines() if line.startswith("$")]
    folder = tmp_path / "sweeps"
    folder.mkdir()
    # Two sweeps: the receiver's first and second half of the capture.
    half = len(lines) // 2
    for number, part in enumerate((lines[:half], lines[half:])):
        _record(folder / f"sweep-{number}.h5", "\n".join(part))
    with open_recording(folder / "sweep-0.h5") as rec:
        assert {"gpr0", "md0", "gnss0"} <= set(rec.stream_names)
        assert "lat_deg" in rec.streams["md0"].columns
    out = tmp_path / "out"
    # The lane's one object is a steel fragment, which the fused detector rightly demotes.
    assert main(["survey", "diglist", str(folder), "-o", str(out), "--detector", "md-cfar"]) == 0
    assert "2 sweeps (gnss positions)" in capsys.readouterr().out
    document = json.loads((out / "diglist.geojson").read_text())
    assert document["features"], "the steel fragment of the lane is in the dig list"
    for feature in document["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        # The capture: 41 deg 34.5' N, 93 deg 45.0' W.
        assert math.isclose(lat, 41.5750, abs_tol=0.001)
        assert math.isclose(lon, -93.7506, abs_tol=0.001)
        assert feature["properties"]["sensors"]
    assert main(["survey", "coverage", str(folder), "-o", str(out)]) == 0
    flags = json.loads((out / "coverage-flags.geojson").read_text())
    # The capture's first part is DGPS (quality 2): flagged below RTK.
    assert "fix_quality" in {f["properties"]["check"] for f in flags["features"]}
