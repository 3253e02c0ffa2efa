"""Emulated GPR and metal-detector devices on pseudo-terminals, speaking wire protocol v1.

An :class:`EmulatedDevice` streams a simulated lane (:mod:`detsig.sim`) the way a real sensor
would: it opens a pty pair, announces itself with HELLO, answers COMMANDs with ACK and sends

- GPR: ``ENCODER`` then ``GPR_TRACE`` for every trace, at ``traces_per_s``;
- MD: ``ENCODER`` (position of the block's first frame) then ``MD_BLOCK`` of ``block_frames``
  frames, at ``sample_rate_hz / block_frames`` blocks per second;
- ``STATUS`` once per second (temperature, battery, lane position), ``MARK`` lane start and
  lane end around each pass,

paced with a monotonic clock (a pty has no baud rate). Fault injection for tests: random
corruption (one byte of the COBS frame changed, never into 0x00, so the host counts exactly one
bad frame), random drops (the frame consumes its ``seq`` but is not sent, so the host counts a
gap), one disconnect (the pty is closed, and after an outage a new one appears at the same
``link``), and ``silent`` (never says HELLO). Every injected fault is counted with the
sequence numbers it hit in :attr:`EmulatedDevice.report`; frames that could not be written
because nobody read the port are reported apart as ``overflow``.

Examples
--------
>>> device = EmulatedDevice("gpr", "single-metal", seed=1, wait_start=True)  # doctest: +SKIP
>>> port = device.start()                                                    # doctest: +SKIP
>>> device.stop(); device.report["frames_sent"]                              # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detsig.devices.emulator_base import PtyDevice
from detsig.errors import DeviceError, FrameError
from detsig.wire import (
    Ack,
    Command,
    FrameDecoder,
    FrameEncoder,
    GprTrace,
    Hello,
    Mark,
    MarkKind,
    MdBlock,
    MessageType,
    Status,
    WheelPosition,
    decode_message,
)

#: Encoder resolution of the emulated survey wheel, m per tick.
METRES_PER_TICK = 0.001
#: Seconds between STATUS messages (device time).
STATUS_INTERVAL_S = 1.0
#: Seconds a frame that started to be written may take to complete.
_WRITE_DEADLINE_S = 1.0
#: Seconds a frame waits for room in the pty buffer before it counts as overflow.
_OVERFLOW_WAIT_S = 0.5
#: Message types fault injection never touches (handshake).
_PROTECTED = (MessageType.HELLO, MessageType.ACK)


@dataclass(frozen=True)
class _Item:
    """One message due at lane time ``time_s`` (seconds from the start of the pass)."""

    time_s: float
    message: Any


def _ranges(seqs: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``"3-5, 9"`` for the human summary."""
    if not seqs:
        return "none"
    parts: list[str] = []
    start = prev = seqs[0]
    for seq in [*seqs[1:], -1]:
        if seq == prev + 1:
            prev = seq
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = seq
    return ", ".join(parts)


class EmulatedDevice(PtyDevice):
    """A virtual GPR or metal detector on a pseudo-terminal, streaming a simulated lane.

    Parameters
    ----------
    kind : {"gpr", "md"}
        Which sensor to emulate.
    scenario : str, path or Scenario
        Library scenario name, TOML file, or a :class:`~detsig.sim.Scenario`.
    seed : int
        Lane seed (same seed, same samples).
    link : str or path, optional
        Symlink to point at the pty (kept pointing at the new pty after a reconnect).
    corrupt_rate, drop_rate : float
        Probability per frame (HELLO and ACK excepted) of corrupting or dropping it.
    disconnect_after_s : float, optional
        Close the pty this many seconds after the start (wall clock), once.
    outage_s : float
        How long the device stays away before a new pty appears, s.
    silent : bool
        Never send HELLO: none at start, and a ``hello`` COMMAND goes unanswered; everything
        else as usual (data stream, ACKs of other commands).
    loop : bool
        Repeat the lane until stopped instead of ending after one pass.
    wait_start : bool
        Stream only after a ``{"cmd": "start"}`` COMMAND (default: stream at once).
    speed : float
        Time compression: 2 streams twice as fast as the real device (for tests).
    block_frames : int
        Metal-detector frames per MD_BLOCK.
    fault_seed : int, optional
        Seed of the fault-injection draws (default: derived from ``seed``).

    Attributes
    ----------
    port : str or None
        Path of the current pty slave (what clients open), None before start and during an
        outage.
    """

    def __init__(
        self,
        kind: str,
        scenario: Any = "standard",
        seed: int = 0,
        *,
        link: str | os.PathLike[str] | None = None,
        corrupt_rate: float = 0.0,
        drop_rate: float = 0.0,
        disconnect_after_s: float | None = None,
        outage_s: float = 1.0,
        silent: bool = False,
        loop: bool = False,
        wait_start: bool = False,
        speed: float = 1.0,
        block_frames: int = 50,
        fault_seed: int | None = None,
    ) -> None:
        from detsig.sim import simulate_lane

        if kind not in ("gpr", "md"):
            raise DeviceError(f"device kind must be 'gpr' or 'md', got {kind!r}")
        for name, rate in (("corrupt_rate", corrupt_rate), ("drop_rate", drop_rate)):
            if not 0.0 <= rate <= 1.0:
                raise DeviceError(f"{name} must be between 0 and 1, got {rate}")
        if corrupt_rate + drop_rate > 1.0:
            raise DeviceError("corrupt_rate + drop_rate must not exceed 1")
        if not speed > 0 or not math.isfinite(speed):
            raise DeviceError(f"speed must be a positive number, got {speed}")
        if disconnect_after_s is not None and not disconnect_after_s >= 0:
            raise DeviceError(f"disconnect_after_s must be >= 0, got {disconnect_after_s}")
        if not outage_s >= 0:
            raise DeviceError(f"outage_s must be >= 0, got {outage_s}")
        if not 1 <= block_frames <= 65535:
            raise DeviceError(f"block_frames must be 1-65535, got {block_frames}")
        self.kind = kind
        self.seed = int(seed)
        self.lane = simulate_lane(scenario, self.seed)
        self.link = None if link is None else Path(link)
        self.corrupt_rate = float(corrupt_rate)
        self.drop_rate = float(drop_rate)
        self.disconnect_after_s = disconnect_after_s
        self.outage_s = float(outage_s)
        self.silent = silent
        self.loop = loop
        self.wait_start = wait_start
        self.speed = float(speed)
        self.block_frames = int(block_frames)
        self._fault_rng = np.random.default_rng(
            [self.seed, 0xFA17] if fault_seed is None else [int(fault_seed), 0xFA17]
        )
        hello = self.lane.hello(kind)
        if kind == "md":
            hello["config"]["block_frames"] = self.block_frames
        hello["config"]["metres_per_tick"] = METRES_PER_TICK
        self.hello_message = Hello(
            device=hello["device"],
            model=hello["model"],
            serial=hello["serial"],
            firmware=hello["firmware"],
            config=hello["config"],
        )
        self._encoder = FrameEncoder()
        self._command_decoder = FrameDecoder()
        self._overflowing = False
        super().__init__()
        self._streaming = not wait_start
        self._boot = 0.0
        self._report: dict[str, Any] = {
            "device": kind,
            "scenario": self.lane.scenario.name,
            "seed": self.seed,
            "ports": [],
            "frames_encoded": 0,
            "frames_sent": 0,
            "frames_by_type": {},
            "corrupted": 0,
            "corrupted_seqs": [],
            "dropped": 0,
            "dropped_seqs": [],
            "disconnects": 0,
            "outage_lost": 0,
            "outage_seqs": [],
            "overflow": 0,
            "overflow_seqs": [],
            "partial_writes": 0,
            "commands": 0,
            "bad_command_frames": 0,
            "passes": 0,
            "ended_by": None,
        }

    # -- public API ---------------------------------------------------------------------------
    @property
    def report(self) -> dict[str, Any]:
        """A snapshot of the counters (frames, injected faults with their seq numbers ...)."""
        with self._lock:
            return json.loads(json.dumps(self._report))

    @property
    def running(self) -> bool:
        """True while the streaming thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> str:
        """Open the pty, send HELLO and start streaming in a background thread.

        Returns
        -------
        str
            The slave path clients open (``/dev/pts/N``).
        """
        if self._thread is not None:
            raise DeviceError("this emulated device was already started")
        return super().start()

    def stop(self, timeout_s: float = 5.0, *, reason: str = "stopped") -> None:
        """Stop streaming, close the pty and remove the link (idempotent).

        ``reason`` becomes the report's ``ended_by`` unless the lane had already ended.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the streaming thread, s.
        reason : str
            Why it stopped, for the report.

        Raises
        ------
        DeviceError
            If the streaming thread failed.
        """
        self._set_end(reason)
        self._halt(timeout_s)
        self._close_pty()
        if self._error is not None:
            error, self._error = self._error, None
            raise DeviceError(f"the emulated {self.kind} device failed: {error}") from error

    def summary(self) -> str:
        """A few human lines about what was sent and injected.

        Returns
        -------
        str
            Frames sent, passes, how it ended, and the injected faults with their sequence numbers.
        """
        r = self.report
        lines = [
            f"emulated {r['device']} '{r['scenario']}' seed {r['seed']}: "
            f"{r['frames_sent']} frames sent of {r['frames_encoded']}, "
            f"{r['passes']} pass(es), ended by {r['ended_by']}",
            f"  corrupted {r['corrupted']} (seq {_ranges(r['corrupted_seqs'])})",
            f"  dropped {r['dropped']} (seq {_ranges(r['dropped_seqs'])})",
            f"  disconnects {r['disconnects']}, lost in outage {r['outage_lost']} "
            f"(seq {_ranges(r['outage_seqs'])})",
        ]
        if r["overflow"] or r["partial_writes"]:
            lines.append(
                f"  not injected: {r['overflow']} frames not written because nobody read the "
                f"port (seq {_ranges(r['overflow_seqs'])}), {r['partial_writes']} partial writes"
            )
        return "\n".join(lines)

    # -- the schedule of one pass over the lane ------------------------------------------------
    def _pass_items(self, pass_index: int) -> Iterator[_Item]:
        lane = self.lane
        length = lane.scenario.lane.length_m
        offset_ticks = round(pass_index * length / METRES_PER_TICK)
        temperature = lane.md_motion.temperature_c
        yield _Item(
            0.0, Mark(int(MarkKind.LANE_START), f"{lane.scenario.name} pass {pass_index + 1}")
        )
        if self.kind == "gpr":
            rate = lane.scenario.gpr.traces_per_s
            distance = lane.gpr_distance_m
            data = lane.gpr.data
            n_rows = data.shape[0]
            duration = (n_rows - 1) / rate
            row_times = np.arange(n_rows) / rate
        else:
            rate = lane.md.sample_rate_hz
            distance = lane.md_distance_m
            data = lane.md.data
            n_rows = data.shape[0]
            duration = (n_rows - 1) / rate
            row_times = np.arange(n_rows) / rate
        next_status = 0.0
        step = 1 if self.kind == "gpr" else self.block_frames
        for first in range(0, n_rows, step):
            last = min(first + step, n_rows)
            due = float(row_times[last - 1])
            while next_status <= due:
                status_row = min(int(next_status * rate), n_rows - 1)
                md_row = min(int(next_status * lane.md.sample_rate_hz), temperature.size - 1)
                yield _Item(
                    next_status,
                    Status(
                        {
                            "battery_v": round(12.6 - 0.01 * next_status, 3),
                            "temperature_c": round(float(temperature[md_row]), 3),
                            "lane_position_m": round(float(distance[status_row]), 4),
                            "pass": pass_index + 1,
                        }
                    ),
                )
                next_status += STATUS_INTERVAL_S
            ticks = offset_ticks + round(float(distance[first]) / METRES_PER_TICK)
            yield _Item(due, WheelPosition(int(ticks), METRES_PER_TICK))
            if self.kind == "gpr":
                yield _Item(due, GprTrace(data[first]))
            else:
                yield _Item(due, MdBlock(data[first:last]))
        yield _Item(
            duration, Mark(int(MarkKind.LANE_END), f"{lane.scenario.name} pass {pass_index + 1}")
        )

    # -- the streaming thread -----------------------------------------------------------------
    def _serve(self) -> None:
        boot = self._boot = time.monotonic()
        self._arm_cable(boot)
        self._send_hello(boot)
        pass_index = 0
        paused_at: float | None = None if self._streaming else boot
        anchor = boot  # wall time of lane time 0 of this pass
        while not self._stop.is_set():
            items = self._pass_items(pass_index)
            for item in items:
                while True:
                    now = time.monotonic()
                    if self._stop.is_set():
                        self._set_end("stopped")
                        return
                    self._cable(now)
                    self._serve_commands(boot)
                    if not self._streaming:
                        if paused_at is None:
                            paused_at = now
                        self._idle(0.02)
                        continue
                    if paused_at is not None:
                        anchor += now - paused_at
                        paused_at = None
                    due_wall = anchor + item.time_s / self.speed
                    if now >= due_wall:
                        break
                    self._idle(min(due_wall - now, 0.02))
                device_time_us = int((due_wall - boot) * self.speed * 1e6)
                self._emit(item.message, device_time_us, in_outage=self.in_outage)
            self.count("passes")
            pass_index += 1
            if not self.loop:
                break
            anchor = time.monotonic()
        self._set_end("lane-end")
        # Keep answering commands until stopped so a client can still say hello.
        self._finished.set()
        while not self._stop.is_set():
            self._serve_commands(boot)
            self._idle(0.05)

    # -- frames ---------------------------------------------------------------------------
    def _emit(self, message: Any, device_time_us: int, *, in_outage: bool = False) -> None:
        seq = self._encoder.seq
        wire = self._encoder.encode(message, device_time_us)
        type_name = MessageType(message.message_type).name
        self.count("frames_encoded")
        if in_outage or self._pty is None or self._pty.closed:
            self.count_at("outage_lost", "outage_seqs", seq)
            return
        if message.message_type not in _PROTECTED:
            draw = float(self._fault_rng.random())
            if draw < self.drop_rate:
                self.count_at("dropped", "dropped_seqs", seq)
                return
            if draw < self.drop_rate + self.corrupt_rate:
                wire = self._corrupt(wire)
                self.count_at("corrupted", "corrupted_seqs", seq)
        pty = self._pty
        # A reader that stalls briefly (a busy host) gets up to _OVERFLOW_WAIT_S of grace; once
        # a frame overflowed, later ones do not wait until a write succeeds again (nobody reads).
        if not pty.writable(0.0 if self._overflowing else _OVERFLOW_WAIT_S):
            self._overflowing = True
            self.count_at("overflow", "overflow_seqs", seq)
            return
        self._overflowing = False
        if not pty.write_all(wire, time.monotonic() + _WRITE_DEADLINE_S):
            self.count("partial_writes")
            return
        with self._lock:
            self._report["frames_sent"] += 1
            counts = self._report["frames_by_type"]
            counts[type_name] = counts.get(type_name, 0) + 1

    def _corrupt(self, wire: bytes) -> bytes:
        """Change one byte of the COBS frame (never into 0x00, never the delimiter)."""
        body = bytearray(wire)
        position = int(self._fault_rng.integers(0, len(body) - 1))
        flip = int(self._fault_rng.integers(1, 256))
        value = body[position] ^ flip
        if value == 0:
            value = body[position] ^ (flip ^ 0xFF) or 0x01
        body[position] = value
        return bytes(body)

    def _send_hello(self, boot: float) -> None:
        if self.silent:
            return
        self._emit(self.hello_message, int((time.monotonic() - boot) * self.speed * 1e6))

    # -- commands -------------------------------------------------------------------------
    def _serve_commands(self, boot: float) -> None:
        pty = self._pty
        if pty is None or pty.closed:
            return
        chunk = pty.read()
        if not chunk:
            return
        decoder = self._command_decoder
        for frame in decoder.feed(chunk):
            if frame.type != MessageType.COMMAND:
                continue
            try:
                command = decode_message(frame)
            except FrameError:
                self.count("bad_command_frames")
                continue
            assert isinstance(command, Command)
            self.count("commands")
            self._answer(command, boot)
        with self._lock:
            self._report["bad_command_frames"] = decoder.bad_frames

    def _answer(self, command: Command, boot: float) -> None:
        now_us = int((time.monotonic() - boot) * self.speed * 1e6)
        name = command.cmd
        if name == "hello":
            if self.silent:
                return  # a silent device never identifies itself, not even when asked
            self._emit(Ack("hello", True), now_us)
            self._send_hello(boot)
        elif name == "start":
            self._streaming = True
            self._emit(Ack("start", True), now_us)
        elif name == "stop":
            self._streaming = False
            self._emit(Ack("stop", True), now_us)
        elif name == "config":
            unknown = sorted(set(command.params) - {"loop"})
            if unknown:
                self._emit(
                    Ack(
                        "config",
                        False,
                        f"setting '{unknown[0]}' cannot be changed; "
                        "this emulator accepts only 'loop'",
                    ),
                    now_us,
                )
            else:
                if "loop" in command.params:
                    self.loop = bool(command.params["loop"])
                self._emit(Ack("config", True), now_us)
        else:
            self._emit(Ack(name, False, f"unknown command '{name}'"), now_us)

    # -- pty lifecycle ----------------------------------------------------------------------
    def _on_reconnect(self) -> None:
        self._send_hello(self._boot)

    def _open_pty(self) -> None:
        super()._open_pty()
        self._command_decoder = FrameDecoder()
