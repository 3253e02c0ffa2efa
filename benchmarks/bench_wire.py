"""Decode throughput of the wire protocol for 512-sample int16 GPR_TRACE frames, one core.

Measures, on the same stream in the same run:

- ``framing``: :class:`detsig.wire.FrameDecoder` (``cobs`` C extension, ``zlib.crc32``) turning
  byte chunks into checked frames;
- ``framing+message``: the same plus :func:`detsig.wire.decode_message` to a ``GprTrace`` (what
  the recorder does for every trace);
- baselines, what a straightforward implementation gives: the same checks with a pure-Python
  COBS decoder, either copying whole COBS blocks by slicing or the textbook byte-by-byte loop
  of Cheshire and Baker (which is faster depends on how many zero bytes the data hold);

and prints frames/s, MB/s of wire bytes and the ratio of each to the faster baseline. A real
GPR sends 100-1,000 traces/s; the target is at least 50,000 frames/s.

Usage::

    python benchmarks/bench_wire.py [--quick] [--json results.json]

References
----------
.. [1] S. Cheshire and M. Baker, "Consistent Overhead Byte Stuffing", IEEE/ACM Transactions on
   Networking 7(2), 1999.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from detsig.wire import FrameDecoder, FrameEncoder, GprTrace, decode_message

N_SAMPLES = 512
CHUNK_BYTES = 4096  # a typical serial read size


def make_stream(n_frames: int, seed: int = 0) -> bytes:
    """``n_frames`` GPR_TRACE frames of 512 int16 samples, back to back.

    The traces look like radar traces: a strong direct wave and echoes whose amplitude decays
    with time into a noise floor of a few counts, so that many sample bytes are 0x00 or 0xFF
    (which is what makes COBS work).
    """
    rng = np.random.default_rng(seed)
    encoder = FrameEncoder()
    t = np.arange(N_SAMPLES)
    envelope = 20_000.0 * np.exp(-t / 40.0)
    carrier = np.cos(2 * np.pi * t / 12.0)
    noise = rng.normal(0.0, 6.0, size=(n_frames, N_SAMPLES))
    gain = rng.uniform(0.8, 1.2, size=(n_frames, 1))
    traces = np.round(gain * envelope * carrier + noise).astype(np.int16)
    wires = (encoder.encode(GprTrace(tr), device_time_us=i * 5000) for i, tr in enumerate(traces))
    return b"".join(wires)


def bytewise_cobs_decode(data: bytes) -> bytes | None:
    """Pure-Python COBS decode, one byte per loop step (the textbook loop); None when malformed."""
    out = bytearray()
    code = 0xFF  # no implied zero before the first block
    left = 0
    for byte in data:
        if left == 0:
            if code < 0xFF:
                out.append(0)
            code = byte
            left = byte - 1
        else:
            out.append(byte)
            left -= 1
    return None if left else bytes(out)


def naive_cobs_decode(data: bytes) -> bytes | None:
    """Pure-Python COBS decode copying whole blocks by slicing; None when malformed."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        code = data[i]
        if code == 0 or i + code > n:
            return None
        out += data[i + 1 : i + code]
        i += code
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)


def naive_decode(
    stream: bytes, cobs_decode: Callable[[bytes], bytes | None] = naive_cobs_decode
) -> list[np.ndarray]:
    """Baseline: split on 0x00, pure-Python COBS, the same header/CRC checks, np.frombuffer."""
    traces = []
    for segment in stream.split(b"\x00"):
        if not segment:
            continue
        body = cobs_decode(segment)
        if body is None or len(body) < 20:
            continue
        (crc,) = struct.unpack_from("<I", body, len(body) - 4)
        if zlib.crc32(body[:-4]) != crc or body[0] != 1:
            continue
        _, _, payload_len, _, _ = struct.unpack_from("<BBHIQ", body)
        if payload_len != len(body) - 20:
            continue
        payload = body[16:-4]
        n_samples = struct.unpack_from("<H", payload, 2)[0]
        traces.append(np.frombuffer(payload, dtype="<i2", count=n_samples, offset=4))
    return traces


def framing(stream: bytes) -> int:
    decoder = FrameDecoder()
    n = 0
    for start in range(0, len(stream), CHUNK_BYTES):
        n += len(decoder.feed(stream[start : start + CHUNK_BYTES]))
    assert decoder.bad_frames == 0 and decoder.gaps == 0
    return n


def framing_and_messages(stream: bytes) -> int:
    decoder = FrameDecoder()
    n = 0
    for start in range(0, len(stream), CHUNK_BYTES):
        for frame in decoder.feed(stream[start : start + CHUNK_BYTES]):
            trace = decode_message(frame)
            n += isinstance(trace, GprTrace)
    return n


def naive(stream: bytes) -> int:
    return len(naive_decode(stream))


def bytewise(stream: bytes) -> int:
    return len(naive_decode(stream, bytewise_cobs_decode))


def measure(fn: Callable[[bytes], int], stream: bytes, n_frames: int, repeats: int) -> float:
    """Best-of-``repeats`` seconds for one pass (checks that every frame came out)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        got = fn(stream)
        best = min(best, time.perf_counter() - start)
        if got != n_frames:
            raise RuntimeError(f"{fn.__name__} decoded {got} of {n_frames} frames")
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    n_fast, n_naive, repeats = (5_000, 300, 1) if args.quick else (50_000, 2_000, 3)
    fast_stream = make_stream(n_fast)
    naive_stream = make_stream(n_naive, seed=1)
    frame_bytes = len(fast_stream) / n_fast

    results: dict[str, Any] = {
        "frame": "GPR_TRACE, 512 int16 samples",
        "wire_bytes_per_frame": frame_bytes,
        "chunk_bytes": CHUNK_BYTES,
        "runs": {},
    }
    cases: list[tuple[str, Callable[[bytes], int], bytes, int]] = [
        ("pure-Python COBS (slices)", naive, naive_stream, n_naive),
        ("pure-Python COBS (bytes)", bytewise, naive_stream, n_naive),
        ("framing", framing, fast_stream, n_fast),
        ("framing+message", framing_and_messages, fast_stream, n_fast),
    ]
    print(f"wire protocol decode, {frame_bytes:.0f} wire bytes per frame, one core")
    print(f"{'case':<28}{'frames/s':>12}{'MB/s':>10}{'vs best pure-Python':>21}")
    measured = []
    for name, fn, stream, n in cases:
        seconds = measure(fn, stream, n, repeats)
        measured.append((name, n / seconds, len(stream) / seconds / 1e6))
    baseline = max(fps for name, fps, _ in measured if name.startswith("pure-Python"))
    for name, fps, mbps in measured:
        ratio = fps / baseline
        results["runs"][name] = {
            "frames_per_s": fps,
            "mb_per_s": mbps,
            "ratio_vs_best_pure_python": ratio,
        }
        print(f"{name:<28}{fps:>12,.0f}{mbps:>10.1f}{ratio:>20.2f}x")
    target = results["runs"]["framing+message"]["frames_per_s"]
    verdict = "meets" if target >= 50_000 else "misses"
    print(f"framing+message {verdict} the 50,000 frames/s target ({target:,.0f} frames/s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
