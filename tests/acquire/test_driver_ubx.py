"""A u-blox receiver (UBX) through a real pty: a pyubx2-generated capture recorded exactly,
spoiled messages counted exactly, a cable pull survived."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.devices.emulator_ubx import make_ubx_capture
from detsig.devices.ubx import UbxParser
from detsig.io.recording import open_recording

from .conftest import run_session

pytestmark = pytest.mark.slow

FIELDS = ("utc_time_s", "lat_deg", "lon_deg", "alt_m", "fix_quality", "n_satellites")


def track_of(path):
    with open_recording(path) as recording:
        stream = recording.streams["gnss0"]
        return stream.read_track(), recording.event_counts(), stream.device, stream.attrs


def test_capture_recorded_fix_by_fix(tmp_path, receivers):
    n_epochs = 60
    device = receivers(rate_hz=30, n_epochs=n_epochs)
    out = tmp_path / "ubx.h5"
    run_session(
        out,
        [],
        lambda s: s.recorder.gnss_fixes >= n_epochs,
        gnss=f"{device.port}:ubx@38400",
        settle_s=0.5,
    )
    track, events, device_info, attrs = track_of(out)
    # Independent expectation: the values the capture was generated from (pyubx2's generator).
    epochs = device.epochs_meta
    assert len(track.lat_deg) == n_epochs and "bad_frame" not in events
    np.testing.assert_allclose(track.lat_deg, [e.lat_deg for e in epochs], rtol=0, atol=1e-12)
    np.testing.assert_allclose(track.lon_deg, [e.lon_deg for e in epochs], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(track.alt_m, [e.alt_m for e in epochs])
    np.testing.assert_array_equal(track.utc_time_s, [e.utc_time_s for e in epochs])
    np.testing.assert_array_equal(track.fix_quality, [e.fix_quality for e in epochs])
    assert set(track.fix_quality) == {1, 5, 4}  # 3-D fix, then RTK float, then RTK fixed
    # Bit for bit what the parser makes of the capture offline.
    capture, _ = make_ubx_capture(n_epochs, 30)
    parser = UbxParser()
    offline = parser.feed(capture) + parser.finish()
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(track, name), [getattr(f, name) for f in offline])
    assert device_info["protocol"] == "u-blox UBX" and attrs["driver"] == "ubx"
    assert device_info["messages"] == ["NAV-HPPOSLLH", "NAV-PVT"]


def test_spoiled_messages_counted_exactly_and_yield_no_fix(tmp_path, receivers):
    n_epochs = 60
    device = receivers(rate_hz=30, n_epochs=n_epochs, corrupt_every=7)
    out = tmp_path / "ubx.h5"
    session = run_session(
        out,
        [],
        lambda s: device.report["epochs_sent"] == n_epochs and s.recorder.gnss_fixes > 0,
        gnss=f"{device.port}:ubx",
        gnss_baudrate=38400,
        settle_s=0.6,
    )
    report = device.report
    track, events, _, _ = track_of(out)
    # Message k (1-based) is spoiled when k % 7 == 0; messages 2e+1 and 2e+2 are epoch e's
    # NAV-PVT and NAV-HPPOSLLH.
    spoiled_pvt = {e for e in range(n_epochs) if (2 * e + 1) % 7 == 0}
    spoiled_hp = {e for e in range(n_epochs) if (2 * e + 2) % 7 == 0}
    assert report["corrupted"] == len(spoiled_pvt) + len(spoiled_hp) == 17
    assert events.get("bad_frame") == report["corrupted"]
    assert session.gnss_driver.counters.checksum_bad == report["corrupted"]
    kept = [e for e in range(n_epochs) if e not in spoiled_pvt]
    assert len(track.lat_deg) == len(kept)
    epochs = device.epochs_meta
    for row, e in enumerate(kept):
        # Without its NAV-HPPOSLLH an epoch keeps NAV-PVT's 1e-7 degree position.
        tolerance = 1e-7 if e in spoiled_hp else 1e-12
        assert abs(track.lat_deg[row] - epochs[e].lat_deg) <= tolerance
        assert track.fix_quality[row] == epochs[e].fix_quality


def test_cable_pull_is_reconnected(tmp_path, receivers):
    device = receivers(
        rate_hz=20, n_epochs=400, disconnect_after_s=1.0, outage_s=0.5, link=tmp_path / "gnss"
    )
    out = tmp_path / "ubx.h5"
    session = run_session(
        out,
        [],
        lambda s: (
            s.readers[0].disconnects == 1 and s.readers[0].connected and s.recorder.gnss_fixes >= 40
        ),
        gnss=f"{tmp_path / 'gnss'}:ubx",
        gnss_baudrate=38400,
        timeout_s=15,
    )
    track, events, _, _ = track_of(out)
    assert events.get("disconnect") == 1 and events.get("reconnect") == 1
    utc = np.asarray(track.utc_time_s)
    steps = np.diff(utc)
    assert np.all(steps > 0) and steps.max() >= 0.5  # epochs lost while the cable was out
    by_time = {e.utc_time_s: e for e in device.epochs_meta}
    assert set(utc) <= set(by_time)  # every fix is an epoch of the capture, with its position
    np.testing.assert_allclose(track.lat_deg, [by_time[t].lat_deg for t in utc], atol=1e-12)
    assert session.readers[0].disconnects == 1
