"""The GPR/MD driver over real ptys: a minimal in-test device, then the emulator."""

from __future__ import annotations

import itertools
import os
import time
import tty

import numpy as np
import pytest

from detsig.devices import EventItem, MessageItem, RowBlock, SensorDriver
from detsig.errors import DeviceError
from detsig.links import open_link
from detsig.wire import GprTrace, Hello, Mark, MdBlock

from ..pty_device import PtyDevice

GPR_HELLO = Hello("gpr", "test-gpr", "T1", "0", {"samples": 8, "sample_interval_s": 1e-10})
MD_HELLO = Hello("md", "test-md", "T2", "0", {"channels": ["a", "b"], "sample_rate_hz": 1000.0})


@pytest.fixture
def gpr_device():
    device = PtyDevice(GPR_HELLO)
    yield device
    device.close()


def read_items(driver: SensorDriver, n_rows: int, timeout_s: float = 3.0) -> list:
    items: list = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        items += driver.read()
        if sum(i.n_rows for i in items if isinstance(i, RowBlock)) >= n_rows:
            break
    return items


def test_hello_configures_and_traces_decode(gpr_device):
    with open_link(gpr_device.port) as link:
        driver = SensorDriver(link)
        hello = driver.request_hello(2.0)
        assert hello == GPR_HELLO
        assert driver.stream is not None and driver.stream.width == 8
        driver.start()
        traces = np.arange(40, dtype=np.int16).reshape(5, 8)
        for i, trace in enumerate(traces):
            gpr_device.send(GprTrace(trace), device_time_us=1000 * i)
        items = read_items(driver, 5)
        rows = [i for i in items if isinstance(i, RowBlock)]
        data = np.concatenate([r.data for r in rows])
        np.testing.assert_array_equal(data, traces)
        assert np.concatenate([r.device_time_us for r in rows]).tolist() == [
            0,
            1000,
            2000,
            3000,
            4000,
        ]
        driver.stop()
    assert gpr_device.commands == ["hello", "start", "stop"]


def test_silent_device_says_what_to_check():
    device = PtyDevice(None)
    try:
        with open_link(device.port) as link:
            start = time.monotonic()
            with pytest.raises(DeviceError) as info:
                SensorDriver(link).request_hello(0.5)
            assert time.monotonic() - start < 2.0
    finally:
        device.close()
    message = str(info.value)
    assert "no HELLO" in message
    for hint in ("cable", "powered", "baud rate", "detsig-protocol device"):
        assert hint in message


def test_garbage_only_is_reported_as_bytes_without_hello():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with open_link(os.ttyname(slave)) as link:
            os.write(master, b"$GPGGA,not,our,protocol\r\n" * 5)
            with pytest.raises(DeviceError, match=r"sent \d+ bytes but no valid frame"):
                SensorDriver(link).request_hello(0.4)
    finally:
        os.close(master)
        os.close(slave)


def test_hello_without_sample_count_is_an_error():
    device = PtyDevice(Hello("gpr", "m", "s", "f", {}))
    try:
        with open_link(device.port) as link, pytest.raises(DeviceError, match="samples"):
            SensorDriver(link).request_hello(1.0)
    finally:
        device.close()


def test_wrong_width_and_corruption_become_bad_frame_events(gpr_device):
    with open_link(gpr_device.port) as link:
        driver = SensorDriver(link)
        driver.request_hello(2.0)
        driver.read()
        gpr_device.send(GprTrace(np.zeros(8, np.int16)))
        gpr_device.send(GprTrace(np.zeros(9, np.int16)))  # HELLO said 8 samples
        wire = bytearray(gpr_device.encoder.encode(GprTrace(np.ones(8, np.int16)), 0))
        wire[5] ^= 0x40
        os.write(gpr_device.master, bytes(wire))
        gpr_device.send(Mark(0, "button"))
        gpr_device.send(GprTrace(np.full(8, 2, np.int16)))
        items = read_items(driver, 2)
        items += driver.read()
    events = [i for i in items if isinstance(i, EventItem)]
    kinds = [e.kind for e in events]
    assert kinds.count("bad_frame") == 2
    assert any("9 samples, HELLO said 8" in e.detail for e in events)
    assert any(e.detail.startswith("crc") for e in events)
    assert kinds.count("gap") == 1  # the corrupted frame's seq is missing
    assert driver.counters.bad_frames == 2 and driver.counters.gaps == 1
    marks = [i.message for i in items if isinstance(i, MessageItem) and isinstance(i.message, Mark)]
    assert marks == [Mark(0, "button")]


def test_md_block_rows_and_times():
    device = PtyDevice(MD_HELLO)
    try:
        with open_link(device.port) as link:
            driver = SensorDriver(link)
            driver.request_hello(2.0)
            block = np.arange(20, dtype=np.int32).reshape(10, 2)
            device.send(MdBlock(block), device_time_us=50_000)
            items = read_items(driver, 10)
    finally:
        device.close()
    (rows,) = [i for i in items if isinstance(i, RowBlock)]
    np.testing.assert_array_equal(rows.data, block)
    # The block's time stamps its last frame; earlier frames step back at 1 kHz.
    assert rows.device_time_us.tolist() == list(range(41_000, 51_000, 1000))


def test_emulator_round_trip_counts_injected_faults():
    from detsig.sim.emulator import EmulatedDevice

    device = EmulatedDevice(
        "gpr",
        "single-metal",
        seed=3,
        wait_start=True,
        speed=8.0,
        corrupt_rate=0.05,
        drop_rate=0.05,
    )
    port = device.start()
    try:
        with open_link(port) as link:
            driver = SensorDriver(link)
            driver.request_hello(3.0)
            driver.start()
            items: list = []
            while not device.wait(0):
                items += driver.read()
            time.sleep(0.1)
            items += driver.read() + driver.finish()
    finally:
        device.stop()
    report = device.report
    events = [i for i in items if isinstance(i, EventItem)]
    assert sum(e.kind == "bad_frame" for e in events) == report["corrupted"] > 0
    assert report["overflow"] == 0
    last_seq = driver.decoder.last_seq
    faults = set(report["corrupted_seqs"]) | set(report["dropped_seqs"])
    missing = sorted(seq for seq in faults if seq < last_seq)  # a lost last frame is no gap
    runs = 1 + sum(b != a + 1 for a, b in itertools.pairwise(missing))
    assert sum(e.kind == "gap" for e in events) == runs
    assert driver.counters.gaps == len(missing)


def test_payload_rejects_and_gaps_are_counted_from_structured_fields(gpr_device):
    """A bad data payload is rejected with the wire's precise reason (counted under a stable
    key), and a gap counts the frames it lost, not its text."""
    import struct

    from detsig.wire import MessageType

    with open_link(gpr_device.port) as link:
        driver = SensorDriver(link)
        driver.request_hello(2.0)
        driver.start()
        gpr_device.send(GprTrace(np.zeros(8, np.int16)))
        short = struct.pack("<BBH", 1, 0, 8) + b"\x00" * 10  # says 8 int16, carries 5
        with gpr_device._lock:
            os.write(
                gpr_device.master, gpr_device.encoder.encode_raw(MessageType.GPR_TRACE, short, 0)
            )
            for _ in range(3):  # three frames the host never sees: one gap of 3
                gpr_device.encoder.encode(GprTrace(np.zeros(8, np.int16)), 0)
        gpr_device.send(GprTrace(np.ones(8, np.int16)))
        items = read_items(driver, 2)
    events = [i for i in items if isinstance(i, EventItem)]
    bad = [e for e in events if e.kind == "bad_frame"]
    assert len(bad) == 1
    assert "GPR_TRACE says 8 samples (20 bytes) but the payload has 14 bytes" in bad[0].detail
    assert bad[0].reason == "payload size"
    gap = [e for e in events if e.kind == "gap"]
    assert [g.count for g in gap] == [3] and gap[0].detail.startswith("3 missing")
    counters = driver.counters
    assert counters.bad_frame_reasons == {"payload size": 1}
    assert counters.gaps == 3 and counters.gap_events == 1 and counters.rows == 2
