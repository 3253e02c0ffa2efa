"""Benchmark of ``detsig record``: GPR + MD + GNSS at field rates, loss, CPU, highest GPR rate.

Three paced devices on pseudo-terminals (written by this process) feed a ``detsig record``
subprocess:

- GPR: 1,000 traces/s x 512 int16 samples, each trace preceded by an ENCODER frame;
- MD: 10 kHz x 4 int16 channels, in blocks of 50 frames (200 MD_BLOCK frames/s);
- GNSS: 10 Hz GGA + RMC (RTK fixed).

A device that cannot hand its bytes to the pty (the recorder did not read them in time)
drops frames, as a real device with a small buffer would; those count as lost, as do gaps
and bad frames in the file. Reported: frames lost (must be 0), the recorder process's CPU
use (user + system time from ``os.wait4``, as a fraction of one core), and a ramp of the GPR
trace rate (MD and GNSS still on) to the highest rate recorded with zero loss. Baselines
measured in the same run: appending the same traces straight to h5py in batches of 256
(no serial, no decoding), and reading + decoding the GPR byte stream from a pty without
writing; the recorder's highest rate is printed as a ratio to both.

Usage::

    python benchmarks/bench_record.py            # 60 s at field rates, then the ramp
    python benchmarks/bench_record.py --quick    # 10 s, shorter ramp
    python benchmarks/bench_record.py --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path
from typing import Any

import numpy as np

from detsig.wire import (
    Ack,
    Command,
    FrameDecoder,
    GprTrace,
    Hello,
    MdBlock,
    MessageType,
    WheelPosition,
    decode_message,
    encode_frame,
)

DEVICE_BUFFER_BYTES = 256 * 1024  # what a device may hold when the host does not read
N_SAMPLES = 512
MD_CHANNELS = 4
MD_BLOCK = 50


def _checksum(body: str) -> bytes:
    value = 0
    for ch in body[1:]:
        value ^= ord(ch)
    return f"{body}*{value:02X}\r\n".encode()


class PacedDevice(threading.Thread):
    """A device on a pty: answers hello/start/stop, then streams frames at a fixed pace.

    The whole stream is encoded before the run (so the pacing thread only slices bytes and
    the benchmark measures the recorder, not the frame encoder); ``units`` are traces (with
    their ENCODER frame), MD blocks of 50 frames, or GNSS epochs (GGA + RMC).
    """

    def __init__(self, kind: str, rate_hz: float, seconds: float, seed: int = 0) -> None:
        super().__init__(daemon=True)
        self.kind = kind
        self.rate_hz = rate_hz
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.port = os.ttyname(self.slave)
        self.stop_event = threading.Event()
        self.streaming = kind == "gnss"
        self.seq = 3  # data frames follow ACK(hello)=0, HELLO=1, ACK(start)=2
        self._control_seq = 0
        self.units_due = 0
        self.frames_sent = 0
        self.frames_dropped = 0
        self._pending = bytearray()
        self._decoder = FrameDecoder()
        self.t0 = time.monotonic()
        rng = np.random.default_rng(seed)
        n_units = int(seconds * self._unit_rate) + 1
        pieces: list[bytes] = []
        if kind == "gpr":
            traces = rng.integers(-2000, 2000, (64, N_SAMPLES)).astype(np.int16)
            payloads = [GprTrace(t).to_payload() for t in traces]
            config = {"samples": N_SAMPLES, "sample_interval_s": 1e-10, "traces_per_s": rate_hz}
            self.hello = Hello("gpr", "bench-gpr", "B1", "0", config)
            self.frames_per_unit = 2
        elif kind == "md":
            blocks = rng.integers(-500, 500, (16, MD_BLOCK, MD_CHANNELS)).astype(np.int16)
            payloads = [MdBlock(b).to_payload() for b in blocks]
            config = {"channels": ["a", "b", "c", "d"], "sample_rate_hz": rate_hz}
            self.hello = Hello("md", "bench-md", "B2", "0", config)
            self.frames_per_unit = 1
        else:
            self.frames_per_unit = 1
        for k in range(n_units):
            time_us = int(k * 1e6 / self._unit_rate)
            if kind == "gpr":
                wire = self._frame(
                    MessageType.ENCODER, WheelPosition(k, 0.01).to_payload(), time_us
                )
                wire += self._frame(MessageType.GPR_TRACE, payloads[k % 64], time_us)
            elif kind == "md":
                wire = self._frame(MessageType.MD_BLOCK, payloads[k % 16], time_us)
            else:
                utc = time.gmtime(1_700_000_000 + k // 10)
                hhmmss = time.strftime("%H%M%S", utc) + f".{k % 10}0"
                lat = f"{4530.0 + k * 0.00005:.5f},N,01600.00000,E"
                wire = _checksum(f"$GNGGA,{hhmmss},{lat},4,18,0.6,100.0,M,40.0,M,1.0,0001")
                wire += _checksum(f"$GNRMC,{hhmmss},A,{lat},0.2,0.0,141123,,,R")
            pieces.append(wire)
        self._offsets = np.cumsum([0] + [len(p) for p in pieces])
        self._stream = b"".join(pieces)

    @property
    def _unit_rate(self) -> float:
        return self.rate_hz / MD_BLOCK if self.kind == "md" else self.rate_hz

    def _frame(self, msg_type: int, payload: bytes, time_us: int) -> bytes:
        wire = encode_frame(msg_type, payload, self.seq, time_us)
        self.seq = (self.seq + 1) % (1 << 32)
        return wire

    def _commands(self) -> None:
        try:
            chunk = os.read(self.master, 4096)
        except (BlockingIOError, OSError):
            return
        for frame in self._decoder.feed(chunk):
            command = decode_message(frame)
            if not isinstance(command, Command):
                continue
            # Before the start, control frames take seqs 0-2, just before the data's.
            self._control(MessageType.ACK, Ack(command.cmd, True).to_payload())
            if command.cmd == "hello":
                self._control(MessageType.HELLO, self.hello.to_payload())
            elif command.cmd == "start" and not self.streaming:
                self.streaming = True
                self.t0 = time.monotonic()
            elif command.cmd == "stop":
                self.streaming = False

    def _control(self, msg_type: int, payload: bytes) -> None:
        next_data_seq = 3 + self.units_due * self.frames_per_unit
        seq = self._control_seq if not self.streaming else next_data_seq
        self._pending += encode_frame(msg_type, payload, seq % (1 << 32), 0)
        self._control_seq += 1

    def _release(self, now: float) -> None:
        due = min(int((now - self.t0) * self._unit_rate), len(self._offsets) - 1)
        while self.units_due < due:
            k = self.units_due
            self.units_due += 1
            piece = self._stream[self._offsets[k] : self._offsets[k + 1]]
            if len(self._pending) + len(piece) > DEVICE_BUFFER_BYTES:
                self.frames_dropped += self.frames_per_unit
            else:
                self._pending += piece
                self.frames_sent += self.frames_per_unit

    def run(self) -> None:
        while not self.stop_event.is_set():
            writable = [self.master] if self._pending else []
            select.select([self.master], writable, [], 0.002)
            self._commands()
            if self.streaming:
                self._release(time.monotonic())
            if self._pending:
                try:
                    written = os.write(self.master, self._pending)
                except (BlockingIOError, OSError):
                    written = 0
                del self._pending[:written]

    def close(self) -> None:
        self.stop_event.set()
        self.join(2)
        os.close(self.master)
        os.close(self.slave)


def record_run(gpr_rate: float, duration_s: float, folder: Path) -> dict[str, Any]:
    """One recording of GPR at ``gpr_rate`` + MD 10 kHz + GNSS 10 Hz for ``duration_s``."""
    import h5py

    seconds = duration_s + 8.0  # start-up and stop margin
    devices = {
        "gpr": PacedDevice("gpr", gpr_rate, seconds, 1),
        "md": PacedDevice("md", 10_000.0, seconds, 2),
        "gnss": PacedDevice("gnss", 10.0, seconds, 3),
    }
    for device in devices.values():
        device.start()
    out = folder / f"bench-{int(gpr_rate)}-{time.monotonic_ns()}.h5"
    args = [sys.executable, "-m", "detsig", "record", "--quiet", "-o", str(out)]
    args += ["--port", devices["gpr"].port, "--port", devices["md"].port]
    args += ["--gnss", devices["gnss"].port, "--duration", str(duration_s)]
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall_s = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    dropped = {k: d.frames_dropped for k, d in devices.items()}
    for device in devices.values():
        device.close()
    if proc.returncode != 0:
        raise SystemExit(f"detsig record failed ({proc.returncode}): {stderr.strip()}")
    with h5py.File(out, "r") as f:
        events = f["events"][:]
        kinds = [bytes(k).decode() for k in events["kind"]]
        details = [bytes(d).decode() for d in events["detail"]]
        missing = sum(int(d.split()[0]) for k, d in zip(kinds, details, strict=True) if k == "gap")
        bad = kinds.count("bad_frame")
        gpr_rows = f["streams/gpr0/data"].shape[0]
        md_rows = f["streams/md0/data"].shape[0]
        fixes = f["streams/gnss0/fix_quality"].shape[0]
        host = f["streams/gpr0/host_time_ns"][:]
    span_s = (host[-1] - host[0]) / 1e9 if len(host) > 1 else 0.0
    size = out.stat().st_size
    out.unlink()
    # A frame the device dropped shows up in the file as a gap, so take the larger count.
    lost = max(missing + bad, sum(dropped.values()))
    return {
        "gpr_rate_hz": gpr_rate,
        "duration_s": duration_s,
        "frames_lost": lost,
        "gap_frames": missing,
        "bad_frames": bad,
        "device_drops": dropped,
        "gpr_traces": gpr_rows,
        "md_frames": md_rows,
        "gnss_fixes": fixes,
        "gpr_rate_recorded_hz": (gpr_rows - 1) / span_s if span_s else 0.0,
        "recorder_cpu_s": usage.ru_utime + usage.ru_stime,
        "recorder_cpu_fraction": (usage.ru_utime + usage.ru_stime) / wall_s,
        "recorder_max_rss_mb": usage.ru_maxrss / 1024,
        "wall_s": wall_s,
        "file_mb": size / 1e6,
    }


def h5py_baseline(seconds: float, folder: Path) -> float:
    """Traces/s of appending 512-sample int16 traces to h5py in batches of 256 (no serial)."""
    import h5py

    block = np.random.default_rng(0).integers(-2000, 2000, (256, N_SAMPLES)).astype(np.int16)
    path = folder / "baseline.h5"
    n = 0
    with h5py.File(path, "x") as f:
        data = f.create_dataset(
            "d",
            shape=(0, N_SAMPLES),
            maxshape=(None, N_SAMPLES),
            dtype="i2",
            chunks=(64, N_SAMPLES),
        )
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            data.resize(n + 256, axis=0)
            data[n:] = block
            n += 256
            if n % 25600 == 0:
                f.flush()
        elapsed = time.perf_counter() - start
    path.unlink()
    return n / elapsed


def read_decode_baseline(seconds: float) -> float:
    """Traces/s a pty read + frame decode sustains (GPR frames, no HDF5), single thread."""
    from detsig.devices import RowBlock, SensorDriver
    from detsig.links import open_link

    payload = GprTrace(np.zeros(N_SAMPLES, np.int16)).to_payload()
    chunk = b"".join(encode_frame(0x10, payload, i, i) for i in range(32))
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    stop = threading.Event()

    def feed() -> None:
        while not stop.is_set():
            select.select([], [master], [], 0.01)
            with contextlib.suppress(BlockingIOError):
                os.write(master, chunk)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    link = open_link(os.ttyname(slave), read_timeout_s=0.01)
    driver = SensorDriver(link)
    driver.hello = Hello("gpr", "m", "s", "f", {"samples": N_SAMPLES})
    from detsig.devices import header_from_hello

    driver.stream = header_from_hello(driver.hello.to_dict())
    rows = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        rows += sum(i.n_rows for i in driver.read() if isinstance(i, RowBlock))
    elapsed = time.perf_counter() - start
    stop.set()
    thread.join(1)
    link.close()
    os.close(master)
    os.close(slave)
    return rows / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s run and a short ramp")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--no-ramp", action="store_true", help="skip the GPR rate ramp")
    args = parser.parse_args(argv)
    duration = 10.0 if args.quick else 60.0
    ramp_s = 4.0 if args.quick else 8.0
    results: dict[str, Any] = {"machine_cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results["h5py_append_traces_per_s"] = h5py_baseline(2.0, folder)
        results["pty_read_decode_traces_per_s"] = read_decode_baseline(2.0)
        print(
            f"baselines: h5py batch append {results['h5py_append_traces_per_s']:,.0f} traces/s, "
            f"pty read + decode {results['pty_read_decode_traces_per_s']:,.0f} traces/s"
        )
        field = record_run(1000.0, duration, folder)
        results["field_rates"] = field
        print(
            f"field rates for {duration:.0f} s: GPR {field['gpr_traces']} traces "
            f"({field['gpr_rate_recorded_hz']:.0f}/s), MD {field['md_frames']} frames, "
            f"GNSS {field['gnss_fixes']} fixes; frames lost {field['frames_lost']}; "
            f"recorder CPU {field['recorder_cpu_s']:.2f} s = "
            f"{100 * field['recorder_cpu_fraction']:.0f}% of one core; "
            f"max RSS {field['recorder_max_rss_mb']:.0f} MB; file {field['file_mb']:.0f} MB"
        )
        if not args.no_ramp:
            ramp = []
            best, failed = 0.0, None
            rate = 2000.0
            while rate <= 64_000:
                run = record_run(rate, ramp_s, folder)
                ramp.append(run)
                ok = run["frames_lost"] == 0 and run["gpr_rate_recorded_hz"] > 0.95 * rate
                print(
                    f"  ramp GPR {rate:>7,.0f} traces/s: recorded "
                    f"{run['gpr_rate_recorded_hz']:>7,.0f}/s, lost {run['frames_lost']}, "
                    f"CPU {100 * run['recorder_cpu_fraction']:.0f}%"
                )
                if ok:
                    best = rate
                else:
                    failed = rate
                if failed is None:
                    rate *= 2
                elif failed - best > 0.2 * best and best > 0:
                    rate = round((best + failed) / 2, -2)  # one more step between the two
                else:
                    break
            results["ramp"] = ramp
            results["max_gpr_rate_zero_loss_hz"] = best
            print(
                f"highest GPR rate with zero loss (with MD 10 kHz + GNSS 10 Hz): {best:,.0f} "
                f"traces/s = {best / results['h5py_append_traces_per_s']:.2f}x raw h5py append, "
                f"{best / results['pty_read_decode_traces_per_s']:.2f}x pty read + decode alone"
            )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if results["field_rates"]["frames_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
