"""GNSS in a live session: every real capture replayed through a pty, and GNSS positions."""

from __future__ import annotations

import math
import os
import threading
import time
import tty

import numpy as np
import pytest
from pyproj import Geod

from detsig.io.recording import open_recording
from detsig.wire import Hello

from .conftest import PtyWriter, ScriptedDevice, counting_traces, run_session

pytestmark = pytest.mark.slow

# GGA fix qualities per capture (README; the coldboot log adds the GGA recovered from a
# run-together line, see tests/devices/test_gnss_parser.py).
QUALITIES = {
    "gnss/bu353s4.log": {1: 25},
    "gnss/ublox-neo-m9n-nmea.log": {2: 61},
    "gnss/ublox-zed-f9p-nmea.log": {1: 29},
    "gnss/nmea-rtk.log": {2: 104, 4: 18},
    "gnss/skytraq-PX1172RH_DS.log": {5: 9},
    "gnss/rx210.log": {0: 21, 1: 40},
    "gnss/hemi.log": {0: 194, 1: 21},
    "gnss/gp-320fw-2019-04-07-coldboot.log": {1: 2, 0: 8},
    "gpr/gssi/test_gssi.DZG": {0: 14},
}


def receiver_output(raw: bytes) -> bytes:
    lines = raw.splitlines(keepends=True)
    while lines and lines[0].startswith(b"#"):
        lines.pop(0)
    return b"".join(lines)


@pytest.mark.parametrize("capture", sorted(QUALITIES))
def test_capture_replayed_through_a_pty_is_stored(tmp_path, shared_data, capture):
    expected = QUALITIES[capture]
    data = receiver_output((shared_data / capture).read_bytes())
    writer = PtyWriter(data).start()
    out = tmp_path / "gnss.h5"
    try:
        session = run_session(
            out,
            [],
            lambda s: writer.done.is_set() and s.recorder.gnss_fixes >= sum(expected.values()),
            gnss=writer.port,
            timeout_s=20,
            settle_s=0.5,
        )
    finally:
        writer.close()
    with open_recording(out) as rec:
        track = rec.streams["gnss0"].read_track()
    qualities, counts = np.unique(track.fix_quality, return_counts=True)
    assert dict(zip(qualities.tolist(), counts.tolist(), strict=True)) == expected
    has_position = ~np.isnan(track.lat_deg)
    assert np.array_equal(has_position, track.fix_quality > 0)
    garbled = {"gnss/gp-320fw-2019-04-07-coldboot.log": 44, "gpr/gssi/test_gssi.DZG": 14}
    assert session.gnss_driver.counters.garbled == garbled.get(capture, 0)


def _sentence(body: str) -> bytes:
    checksum = 0
    for ch in body[1:]:
        checksum ^= ord(ch)
    return f"{body}*{checksum:02X}\r\n".encode()


def _ddmm(value_deg: float, width: int) -> str:
    degrees = int(value_deg)
    minutes = (value_deg - degrees) * 60
    return f"{degrees:0{width}d}{minutes:09.6f}"


def test_distance_and_lat_lon_from_gnss_without_encoder(tmp_path):
    """A GPR without encoder plus a receiver walking north at 1 m/s (RTK fixed)."""
    geod = Geod(ellps="WGS84")
    lat0, lon0 = 45.0, 16.0
    writer_stop = []

    hello = Hello("gpr", "no-wheel", "N1", "0", {"samples": 16, "sample_interval_s": 1e-10})
    device = ScriptedDevice(hello, counting_traces(300))
    master, slave = os.openpty()
    tty.setraw(slave)

    def gnss_stream() -> None:
        t0 = time.monotonic()
        k = 0
        while not writer_stop:
            elapsed = k * 0.1
            lon, lat, _ = geod.fwd(lon0, lat0, 0.0, elapsed * 1.0)
            utc = time.gmtime(1_700_000_000 + elapsed)
            hhmmss = time.strftime("%H%M%S", utc) + f".{round(elapsed * 10) % 10}0"
            position = f"{_ddmm(lat, 2)},N,{_ddmm(lon, 3)},E"
            gga = f"$GNGGA,{hhmmss},{position},4,14,0.6,100.0,M,40.0,M,1.0,0001"
            os.write(master, _sentence(gga))
            k += 1
            time.sleep(max(0.0, t0 + k * 0.1 - time.monotonic()))

    gnss_thread = threading.Thread(target=gnss_stream, daemon=True)
    gnss_thread.start()
    out = tmp_path / "walk.h5"
    try:
        run_session(
            out,
            [device.port],
            lambda s: s.recorder.states["gpr0"].rows >= 250,
            gnss=os.ttyname(slave),
            timeout_s=20,
        )
    finally:
        writer_stop.append(True)
        gnss_thread.join(2)
        device.close()
        os.close(master)
        os.close(slave)
    with open_recording(out) as rec:
        g = rec.streams["gpr0"]
        distance = g.column("distance_m")
        lat = g.column("lat_deg")
        lon = g.column("lon_deg")
        host = g.column("host_time_ns")
        track = rec.streams["gnss0"].read_track()
    assert set(track.fix_quality.tolist()) == {4}
    ok = ~np.isnan(distance)
    assert ok.mean() > 0.8  # rows before the first fix have no position
    # Walking 1 m/s: distance grows like host time (within GNSS timing jitter).
    speed = np.polyfit((host[ok] - host[ok][0]) / 1e9, distance[ok], 1)[0]
    assert speed == pytest.approx(1.0, rel=0.15)
    assert np.all(np.diff(distance[ok]) > -0.05)
    # lat/lon are consistent with the distance along the north-going track.
    _, _, along = geod.inv(np.full(ok.sum(), lon0), np.full(ok.sum(), lat0), lon[ok], lat[ok])
    np.testing.assert_allclose(along - along[0], distance[ok] - distance[ok][0], atol=0.05)
    assert math.isclose(float(np.nanmedian(lon)), lon0, abs_tol=1e-6)
