"""``detsig record`` as a technician runs it: errors, signals, duration, SIGKILL survival."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from detsig.io.recording import open_recording

pytestmark = pytest.mark.slow


def detsig(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detsig", *args], capture_output=True, text=True, timeout=60
    )


def start_detsig(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "detsig", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_growth(path, timeout_s: float = 20.0) -> None:
    """Wait until the recording exists and has grown past its empty layout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if path.exists() and path.stat().st_size > 20_000:
            return
    raise AssertionError(f"{path} did not grow")


def test_missing_port(tmp_path):
    out = tmp_path / "x.h5"
    result = detsig("record", "--port", str(tmp_path / "ttyUSB9"), "-o", str(out))
    assert result.returncode == 2
    assert "does not exist; serial ports present:" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_no_port_given(tmp_path):
    result = detsig("record", "-o", str(tmp_path / "x.h5"))
    assert result.returncode == 2 and "--port" in result.stderr


def test_silent_device(tmp_path, emulators):
    device = emulators("gpr", silent=True)
    out = tmp_path / "x.h5"
    result = detsig("record", "--port", device.port, "-o", str(out), "--hello-timeout", "0.5")
    assert result.returncode == 2
    assert "no HELLO" in result.stderr and "check the cable" in result.stderr
    assert not out.exists()


def test_existing_output_is_never_touched(tmp_path, emulators):
    device = emulators("gpr")
    out = tmp_path / "keep.h5"
    out.write_bytes(b"precious")
    result = detsig("record", "--port", device.port, "-o", str(out))
    assert result.returncode == 2 and "already exists" in result.stderr
    assert out.read_bytes() == b"precious"


def test_busy_port(tmp_path, emulators):
    from detsig.links import open_link

    device = emulators("gpr")
    with open_link(device.port):
        result = detsig("record", "--port", device.port, "-o", str(tmp_path / "x.h5"))
    assert result.returncode == 2 and "is busy" in result.stderr
    assert not (tmp_path / "x.h5").exists()


class HangUpDevice:
    """A raw pty whose device side hangs up as soon as detsig sends it anything (a cable
    pulled during the handshake: the port opened fine, then the link was lost)."""

    def __init__(self) -> None:
        import os
        import threading
        import tty

        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self._thread = threading.Thread(target=self._hang_up, daemon=True)
        self._thread.start()

    def _hang_up(self) -> None:
        import os
        import select

        select.select([self.master], [], [], 30)
        os.close(self.master)

    def close(self) -> None:
        import os

        self._thread.join(5)
        os.close(self.slave)


@pytest.mark.parametrize("driver", ["", ":wire"])
def test_link_lost_while_in_use_is_a_failed_job_exit_1(tmp_path, driver):
    device = HangUpDevice()
    out = tmp_path / "x.h5"
    try:
        result = detsig(
            "record", "--port", device.port + driver, "-o", str(out), "--hello-timeout", "2"
        )
    finally:
        device.close()
    # not bad input (exit 2): the port was there and opened; losing it is a failed job
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "stopped answering" in lines[0], lines[0]
    assert not out.exists()


def test_sigterm_closes_the_file_cleanly(tmp_path, emulators):
    device = emulators("gpr", loop=True)
    out = tmp_path / "term.h5"
    proc = start_detsig("record", "--port", device.port, "-o", str(out), "--operator", "ana")
    try:
        wait_for_growth(out)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    assert "saved" in stderr and "SIGTERM" in stderr
    with open_recording(out) as rec:
        assert rec.attrs["operator"] == "ana"
        g = rec.streams["gpr0"]
        assert g.n_rows > 50
        assert rec.event_counts().get("gap", 0) == 0


def test_duration_counts_from_the_first_frame(tmp_path):
    from detsig.wire import Hello

    from .conftest import ScriptedDevice, counting_traces

    hello = Hello("gpr", "late", "L1", "0", {"samples": 16, "sample_interval_s": 1e-10})
    # the device starts sending 1.5 s after 'start'
    device = ScriptedDevice(hello, counting_traces(400, delay_s=1.5))
    out = tmp_path / "late.h5"
    try:
        start = time.monotonic()
        result = detsig("record", "--port", device.port, "-o", str(out), "--duration", "1")
        elapsed = time.monotonic() - start
    finally:
        device.close()
    assert result.returncode == 0, result.stderr
    assert elapsed > 2.4  # 1.5 s of silence did not count
    with open_recording(out) as rec:
        host = rec.streams["gpr0"].column("host_time_ns")
        span_s = (host[-1] - host[0]) / 1e9
    assert 0.8 < span_s < 1.5


def test_sigkill_leaves_a_readable_file(tmp_path, emulators):
    gpr = emulators("gpr", loop=True)
    md = emulators("md", loop=True)
    out = tmp_path / "killed.h5"
    proc = start_detsig("record", "--port", gpr.port, "--port", md.port, "-o", str(out))
    try:
        wait_for_growth(out)
        time.sleep(1.5)
        overflow = gpr.report["overflow"] + md.report["overflow"]
        kill_ns = time.time_ns()
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with h5py.File(out, "r") as f:  # plain h5py, no repair step
        for name, data in (("gpr0", gpr.lane.gpr.data), ("md0", md.lane.md.data)):
            group = f["streams"][name]
            host = group["host_time_ns"][:]
            rows = group["data"][:]
            assert len(rows) > 0
            # Everything received up to 0.5 s before the kill is there ...
            assert host[-1] >= kill_ns - 0.5e9, (name, (kill_ns - host[-1]) / 1e9)
            # ... with nothing missing: the rows are the device's rows in order.
            n = len(rows)
            expected = np.concatenate([data] * (n // len(data) + 1))[:n]
            np.testing.assert_array_equal(rows, expected)
    assert overflow == 0  # the recorder kept up until the kill


def test_port_that_is_a_text_file_is_one_sentence(tmp_path):
    text = tmp_path / "some_text_file.txt"
    text.write_text("not a device\n")
    out = tmp_path / "x.h5"
    result = detsig("record", "--port", str(text), "-o", str(out))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"detsig record: error: {text} is not a serial port (it is a regular file); give a "
        "serial device such as /dev/ttyUSB0 or an emulator's pty (the path 'detsig emulate' "
        "prints)"
    )
    assert not out.exists()


def test_gnss_only_duration_counts_from_the_first_fix(tmp_path):
    from .conftest import NmeaReceiver

    receiver = NmeaReceiver()
    out = tmp_path / "gnss.h5"
    try:
        start = time.monotonic()
        command = ["record", "--gnss", receiver.port, "-o", str(out), "--duration", "2"]
        result = subprocess.run(
            [sys.executable, "-m", "detsig", *command, "--quiet"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        elapsed = time.monotonic() - start
    finally:
        receiver.close()
    assert result.returncode == 0, result.stderr
    assert "(duration)" in result.stderr
    assert elapsed < 12
    with open_recording(out) as rec:
        track = rec.streams["gnss0"].read_track()
    span_s = (track.host_time_ns[-1] - track.host_time_ns[0]) / 1e9
    assert 1.5 < span_s < 3.0, span_s
    assert np.all(track.fix_quality == 4)


def test_info_on_a_file_being_recorded_without_swmr_says_so(tmp_path, emulators):
    gpr = emulators("gpr", loop=True)
    out = tmp_path / "busy.h5"
    proc = start_detsig("record", "--port", gpr.port, "-o", str(out), "--quiet")
    try:
        wait_for_growth(out)
        result = detsig("info", str(out))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"detsig info: error: {out} is being written by another program (e.g. detsig record); "
        "to read it while it grows, record it in SWMR mode and follow it in the viewer, or wait "
        "until the recording ends (detsig record --swmr, then detsig view --follow FILE)"
    )
    assert "h5clear" not in result.stderr and "damaged" not in result.stderr
    assert proc.returncode == 0
    with open_recording(out) as rec:  # the recording itself is unharmed
        assert rec.streams["gpr0"].n_rows > 0


def test_swmr_recording_is_followed_then_survives_sigkill(tmp_path, emulators):
    from detsig.viewer.sources import FollowSource

    gpr = emulators("gpr", loop=True)
    lane = gpr.lane.gpr.data
    looped = np.concatenate([lane] * 20)  # the device plays the lane again and again
    out = tmp_path / "followed.h5"
    proc = start_detsig("record", "--port", gpr.port, "-o", str(out), "--swmr", "--quiet")
    try:
        wait_for_growth(out)
        # A follower sees the rows grow, and they are the device's rows.
        with open_recording(out, swmr=True) as rec:
            stream = rec.streams["gpr0"]
            seen = [stream.n_rows]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and len(set(seen)) < 4:
                time.sleep(0.3)
                rec.refresh()
                seen.append(stream.n_rows)
            assert len(set(seen)) >= 4 and seen == sorted(seen), seen
            n = seen[-1]
            np.testing.assert_array_equal(stream.data[:n], looped[:n])
        # What 'detsig view --follow' uses (headless: --screenshot does not follow).
        source = FollowSource(out)
        try:
            first = source.status().n_traces
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and source.status().n_traces <= first + 20:
                time.sleep(0.3)
                source.refresh()
            status = source.status()
            assert status.state == "following" and status.n_traces > first + 20
        finally:
            source.close()
        # A plain reader is not refused either (open_recording retries in SWMR mode).
        info = detsig("info", str(out))
        assert info.returncode == 0, info.stderr
        time.sleep(0.5)
        kill_ns = time.time_ns()
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGKILL
    with h5py.File(out, "r", swmr=True) as f:
        host = f["streams/gpr0/host_time_ns"][:]
        assert len(host) > 0 and host[-1] >= kill_ns - 0.6e9
    with open_recording(out) as rec:  # detsig opens the crashed SWMR file without repair
        g = rec.streams["gpr0"]
        n = g.n_rows
        assert n > 0
        np.testing.assert_array_equal(g.data[:n], looped[:n])
