"""Units of the live session: queue bound, positions, display rings, status line."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from pyproj import Geod

from detsig.acquire import ByteBoundedQueue, DisplayBuffers, EncoderPositions, GnssPositions
from detsig.model import GprHeader, RowBlock


def test_queue_waits_when_full_and_never_exceeds_bound():
    q = ByteBoundedQueue(100)
    assert q.put("a", 1, 60)
    assert not q.put("a", 2, 60, timeout_s=0.05)  # would exceed: waits, then gives up
    released = []

    def consumer() -> None:
        time.sleep(0.1)
        released.extend(q.get_all(0.1))

    thread = threading.Thread(target=consumer)
    thread.start()
    assert q.put("a", 3, 60, timeout_s=2.0)  # room once the consumer took the first
    thread.join()
    assert released == [("a", 1)]
    assert q.peak_bytes <= 100 and q.waits == 2
    assert q.get_all(0.0) == [("a", 3)]


def test_queue_accepts_one_oversized_entry_when_empty():
    q = ByteBoundedQueue(10)
    assert q.put("a", "big", 1000, timeout_s=0.0)
    assert len(q) == 1


def test_encoder_interpolates_by_device_time():
    enc = EncoderPositions()
    assert np.isnan(enc.distance_at(np.array([5]))).all()
    enc.add(0, 0.0)
    enc.add(1000, 0.1)
    enc.add(3000, 0.5)
    np.testing.assert_allclose(enc.distance_at(np.array([500, 2000, 9999])), [0.05, 0.3, 0.5])
    enc.add(10, 2.0)  # the device clock went back: a restart
    np.testing.assert_allclose(enc.distance_at(np.array([10])), [2.0])


def test_gnss_distance_matches_the_geodesic():
    geod = Geod(ellps="WGS84")
    pos = GnssPositions()
    lon, lat = -1.5, 52.0
    for k in range(11):  # 10 steps of 2 m heading 60 degrees, one per second
        pos.add(k * 1_000_000_000, lat, lon)
        lon, lat, _ = geod.fwd(lon, lat, 60.0, 2.0)
    assert pos.distance_m == pytest.approx(20.0, abs=1e-4)
    distance, lat_i, lon_i = pos.at(np.array([0, 500_000_000, 10_500_000_000, 20e9]))
    assert distance[:3] == pytest.approx([0.0, 1.0, 21.0], abs=1e-4)  # last: extrapolated
    assert np.isnan(distance[3]) and np.isnan(lat_i[3])  # too long after the last fix
    assert lat_i[0] == 52.0 and lon_i[0] == -1.5


def test_gnss_without_fixes_gives_nan():
    distance, lat, lon = GnssPositions().at(np.array([1, 2]))
    assert np.isnan(distance).all() and np.isnan(lat).all() and np.isnan(lon).all()


def _rows(values: np.ndarray, first: int) -> RowBlock:
    n = len(values)
    return RowBlock(
        data=values.reshape(n, 1).astype(np.int16),
        seq=np.arange(first, first + n, dtype=np.uint32),
        device_time_us=np.zeros(n, np.uint64),
        host_time_ns=np.zeros(n, np.int64),
        distance_m=np.arange(first, first + n, dtype=np.float64),
        lat_deg=np.full(n, np.nan),
        lon_deg=np.full(n, np.nan),
        first_row=first,
    )


@pytest.mark.parametrize("blocks", [[3], [4, 5], [7, 1, 1, 9], [20], [5, 5, 5, 5]])
def test_display_ring_keeps_the_newest_rows_in_order(blocks):
    info = GprHeader(1e-10, n_samples=1, dtype="int16")
    display = DisplayBuffers({"gpr0": info}, gpr_rows=8)
    first = 0
    for n in blocks:
        display.push_rows("gpr0", _rows(np.arange(first, first + n), first))
        first += n
    snap = display.snapshot()
    s = snap.streams["gpr0"]
    expected = np.arange(max(0, first - 8), first)
    assert s.data[:, 0].tolist() == expected.tolist()
    assert s.distance_m.tolist() == expected.astype(float).tolist()
    assert s.total_rows == first and snap.version == len(blocks)


def test_status_line_format():
    from detsig.acquire import SessionStatus, StreamStatus
    from detsig.cli.cmd_record import format_status

    status = SessionStatus(
        streams=[
            StreamStatus(
                "gpr0", "gpr", "/dev/ttyUSB0", rows=1200, gap_events=1, bad_frames=2, rate_hz=99.7
            ),
            StreamStatus("md0", "md", "/dev/ttyUSB1", rows=6000, rate_hz=500.2, connected=False),
        ],
        gnss_port="/dev/ttyACM0",
        gnss_fix_quality=4,
        gnss_fix_name="RTK fixed",
        gnss_satellites=17,
        file_bytes=3_456_789,
        candidates=3,
        recording_s=75.0,
    )
    line = format_status(status)
    assert line == (
        "gpr0    100 tr/s 1200 rows 1 gaps 2 bad | md0    500 fr/s 6000 rows 0 gaps 0 bad "
        "DISCONNECTED | GNSS RTK fixed 17 sat | 3.5 MB | 3 cand | 01:15"
    )
