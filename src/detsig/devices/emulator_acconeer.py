"""An emulated Acconeer A121 module (XM125) running the exploration server, on a pty.

It answers ``get_system_info``, ``get_sensor_info``, ``setup`` (with the metadata of the
configuration it applied), ``start_streaming``, ``stop_streaming`` and
``set_uart_baudrate``, and while streaming sends one result message per frame period:
``sweeps_per_frame`` sweeps of ``num_points`` complex int16 samples, a reflector drifting
through the range plus seeded noise (:meth:`AcconeerEmulator.frame`). The sensor tick is
exactly ``frame number x period``, so lost frames show up as a tick jump.

Faults, each counted in the report: every ``cut_header_every``-th frame's header is cut off
mid-line and the frame never completed (the next message follows at once); every
``garbage_every``-th frame is preceded by a burst of line noise without a line end (the host
must resynchronise on the next header); one ``stall`` after ``stall_after_s`` for ``stall_s``
during which frames are produced but never sent; a cable pull (the module restarts: it
streams again only after a new setup and start).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from detsig.devices.acconeer_protocol import encode_message
from detsig.devices.emulator_base import PtyEmulator
from detsig.model import COMPLEX_INT16

#: Sensor ticks per second of the emulated module.
TICKS_PER_SECOND = 1_000_000
#: Distance between the A121's base points, m.
BASE_STEP_M = 0.0025
_NOISE = b"\xfe\x13~~ \x07\x80\x81\xfa?\x1b"
_FREE_RUN_HZ = 50.0


class AcconeerEmulator(PtyEmulator):
    """An XM125 with the exploration server on a pty.

    Parameters
    ----------
    seed : int
        Seed of the frame noise.
    cut_header_every : int, optional
        Cut the header of every n-th frame (n >= 2).
    garbage_every : int, optional
        Send line noise before every n-th frame (n >= 2).
    stall_after_s, stall_s : float, optional
        Stop sending for ``stall_s`` seconds once, ``stall_after_s`` after streaming started.
    **kwargs
        ``link``, ``baudrate`` (default 115200), ``disconnect_after_s``, ``outage_s``,
        ``silent`` (see :class:`~detsig.devices.emulator_base.PtyEmulator`).
    """

    kind = "acconeer"

    def __init__(
        self,
        *,
        seed: int = 0,
        cut_header_every: int | None = None,
        garbage_every: int | None = None,
        stall_after_s: float | None = None,
        stall_s: float = 0.5,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        for label, every in (
            ("cut_header_every", cut_header_every),
            ("garbage_every", garbage_every),
        ):
            if every is not None and every < 2:
                raise ValueError(f"{label} must be >= 2, got {every}")
        self.seed = int(seed)
        self.cut_header_every = cut_header_every
        self.garbage_every = garbage_every
        self.stall_after_s = stall_after_s
        self.stall_s = float(stall_s)
        self._commands = bytearray()
        self._config: dict[str, Any] | None = None
        self._streaming_since: float | None = None
        self._slot = 0
        self._frame_no = 0
        self._last_cut = False
        self._report.update(
            {
                "commands": [],
                "frames_sent": 0,
                "sent_frames": [],
                "cut_headers": 0,
                "garbage_bursts": 0,
                "stall_lost": 0,
                "setups": 0,
            }
        )

    # -- the frames -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """(sweeps_per_frame, num_points) of the applied setup ((0, 0) before one)."""
        if self._config is None:
            return (0, 0)
        return (int(self._config["sweeps_per_frame"]), int(self._config["num_points"]))

    def frame(self, number: int, shape: tuple[int, int] | None = None) -> np.ndarray:
        """Frame ``number`` (counted over the emulator's life) as the module sends it.

        Parameters
        ----------
        number : int
            Frame number, 0-based.
        shape : tuple of int, optional
            (sweeps_per_frame, num_points); default: the current setup's.

        Returns
        -------
        ndarray of COMPLEX_INT16, shape (sweeps_per_frame, num_points)
        """
        sweeps, points = shape or self.shape
        rng = np.random.default_rng([self.seed, number])
        index = np.arange(points)
        peak = (number * 0.05) % max(points, 1)
        amplitude = 3000.0 * np.exp(-0.5 * ((index - peak) / 2.0) ** 2)
        phase = 0.9 * index + 0.02 * number
        out = np.empty((sweeps, points), dtype=COMPLEX_INT16)
        noise = rng.normal(0.0, 40.0, size=(2, sweeps, points))
        out["real"] = np.round(amplitude * np.cos(phase) + noise[0]).astype(np.int16)
        out["imag"] = np.round(amplitude * np.sin(phase) + noise[1]).astype(np.int16)
        return out

    # -- commands ---------------------------------------------------------------------------
    def _reply(self, header: dict[str, Any], payload: bytes = b"") -> None:
        self.send(encode_message(header, payload))

    def _on_input(self, data: bytes) -> None:
        self._commands += data
        while b"\n" in self._commands:
            line, _, rest = bytes(self._commands).partition(b"\n")
            self._commands = bytearray(rest)
            try:
                request = json.loads(line.strip(b"\x00 \r"))
            except ValueError:
                continue  # a real server ignores what it cannot read
            if isinstance(request, dict):
                self._command(request)

    def _command(self, request: dict[str, Any]) -> None:
        name = str(request.get("cmd", ""))
        with self._lock:
            self._report["commands"].append(name)
        if name == "get_system_info":
            info = {
                "rss_version": "a121-v1.9.0",
                "sensor": "a121",
                "sensor_count": 1,
                "ticks_per_second": TICKS_PER_SECOND,
                "hw": "xm125",
                "max_baudrate": 2_000_000,
            }
            self._reply({"status": "ok", "system_info": info})
        elif name == "get_sensor_info":
            self._reply({"status": "ok", "sensor_info": [{"connected": True, "serial": "EMU1"}]})
        elif name == "setup":
            self._setup(request)
        elif name == "start_streaming":
            if self._config is None:
                self._reply({"status": "error", "message": "start_streaming before setup"})
                return
            self._reply({"status": "start", "payload_size": 0, "message": "Start streaming."})
            self._streaming_since = -1.0  # the clock starts at the next step
        elif name == "stop_streaming":
            self._streaming_since = None
            self._reply({"status": "stop", "payload_size": 0, "message": "Stop streaming."})
        elif name == "set_uart_baudrate":
            self._reply({"status": "ok", "payload_size": 0, "message": "set baudrate"})
            self.baudrate = int(request.get("baudrate", self.baudrate))
        else:
            self._reply({"status": "error", "message": f"unknown command '{name}'"})

    def _setup(self, request: dict[str, Any]) -> None:
        try:
            entry = request["groups"][0][0]
            config = entry["config"]
            subsweep = config["subsweeps"][0]
            points = int(subsweep["num_points"])
            sweeps = int(config["sweeps_per_frame"])
            rate = float(config.get("frame_rate") or 0.0)
        except (KeyError, IndexError, TypeError, ValueError):
            self._reply({"status": "error", "message": "setup: malformed configuration"})
            return
        if not (1 <= points <= 4095 and 1 <= sweeps <= 4095 and points * sweeps <= 4095):
            self._reply(
                {
                    "status": "error",
                    "message": f"setup: {sweeps} sweeps of {points} points do not fit the buffer",
                }
            )
            return
        self._config = {
            "num_points": points,
            "sweeps_per_frame": sweeps,
            "frame_rate": rate,
            "start_point": int(subsweep.get("start_point", 80)),
        }
        self.count("setups")
        metadata = {
            "frame_data_length": points * sweeps,
            "sweep_data_length": points,
            "subsweep_data_offset": [0],
            "subsweep_data_length": [points],
            "calibration_temperature": 25,
            "base_step_length_m": BASE_STEP_M,
            "max_sweep_rate": 8000.0,
            "high_speed_mode": True,
        }
        self._reply({"status": "ok", "tick_period": 0, "payload_size": 0, "metadata": [[metadata]]})

    # -- streaming --------------------------------------------------------------------------
    @property
    def frame_rate_hz(self) -> float:
        """Frames per second while streaming, Hz."""
        rate = float(self._config["frame_rate"]) if self._config else 0.0
        return rate if rate > 0 else _FREE_RUN_HZ

    def _on_reconnect(self) -> None:
        # Pulling the USB cable power-cycles the module: no setup, not streaming.
        self._config = None
        self._streaming_since = None
        self._commands.clear()

    def _step(self, now: float) -> float:
        if self._streaming_since is None or self._config is None:
            return 0.02
        if self._streaming_since < 0:
            self._streaming_since = now
            self._slot = 0
        rate = self.frame_rate_hz
        due = int((now - self._streaming_since) * rate) + 1
        while self._slot < due:
            self._produce(self._slot, self._slot / rate)
            self._slot += 1
        return self._slot / rate - (now - self._streaming_since)

    def _produce(self, slot: int, elapsed_s: float) -> None:
        number = self._frame_no
        self._frame_no += 1
        stall_at = self.stall_after_s
        if stall_at is not None and stall_at <= elapsed_s < stall_at + self.stall_s:
            self.count("stall_lost")
            return
        tick = (slot * round(TICKS_PER_SECOND / self.frame_rate_hz)) % 2**32
        frame = self.frame(number)
        info = {
            "tick": tick,
            "data_saturated": False,
            "frame_delayed": False,
            "calibration_needed": False,
            "temperature": 25,
        }
        wire = encode_message({"status": "ok", "result_info": [[info]]}, frame.tobytes())
        n = number + 1
        cut = bool(self.cut_header_every) and n % self.cut_header_every == 0  # type: ignore[operator]
        # Never two faults in one line: the host could only count one.
        garbage = (
            bool(self.garbage_every)
            and n % self.garbage_every == 0  # type: ignore[operator]
            and not cut
            and not self._last_cut
        )
        self._last_cut = cut
        if garbage and self.send(_NOISE):
            self.count("garbage_bursts")
        if cut:
            header_end = wire.index(b"\n")
            if self.send(wire[: math.ceil(header_end * 0.6)]):
                self.count("cut_headers")
            return
        if self.send(wire):
            self.count_at("frames_sent", "sent_frames", number)
