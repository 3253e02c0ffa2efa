"""Build small synthetic DZT files from the documented header layout (for tests only)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np


def make_dzt(
    path: Path,
    channels: list[np.ndarray],
    *,
    bits: int,
    rh_data: int | None = None,
    range_ns: float = 50.0,
    sps: float = 64.0,
    spm: float = 0.0,
    position_ns: float = 0.0,
    antennas: tuple[str, ...] = ("400MHz", "900MHz", "1600MHz", "270MHz"),
) -> None:
    """Write ``channels`` (each shaped (n_traces, n_samples)) as a DZT with one 1024-byte
    header per channel; scans interleave the channels."""
    n_channels = len(channels)
    _n_traces, n_samples = channels[0].shape
    if rh_data is None:
        rh_data = 1024 * n_channels
    headers = bytearray(1024 * n_channels)
    for channel in range(n_channels):
        block = bytearray(1024)
        struct.pack_into(
            "<HHHHH5fh",
            block,
            0,
            0x00FF,
            rh_data,
            n_samples,
            bits,
            1 << (bits - 1) if bits < 32 else 0,
            sps,
            spm,
            0.0,
            position_ns,
            range_ns,
            0,
        )
        struct.pack_into("<H", block, 52, n_channels)
        struct.pack_into("<3f", block, 54, 9.0, 0.0, 1.0)
        name = antennas[channel].encode()
        block[98 : 98 + len(name)] = name
        block[113] = 8 << 3  # SIR 4000
        headers[1024 * channel : 1024 * (channel + 1)] = block
    offset = rh_data * 1024 if rh_data < 1024 else max(rh_data, 1024 * n_channels)
    dtype = {8: "<u1", 16: "<u2", 32: "<i4"}[bits]
    scans = np.stack([np.asarray(c, dtype=dtype) for c in channels], axis=1)
    with open(path, "wb") as stream:
        stream.write(bytes(headers))
        stream.write(b"\x00" * (offset - len(headers)))
        stream.write(scans.tobytes())
