"""Driver of Acconeer A121 radar modules (XM125, XE121) running the exploration server.

Handshake, each step named when it fails: ``get_system_info`` (an A121 module answers with
its RSS version and tick rate), ``get_sensor_info`` (sensor 1 connected?), ``setup`` (one
sensor, one subsweep; the module answers with the metadata of what it applied). Then
``start_streaming``; every result message carries one frame of ``sweeps_per_frame`` sweeps of
``num_points`` complex int16 samples, recorded as that many rows of a radar stream.

The module has no frame counter. With a fixed ``frame_rate`` the driver numbers frames from
the sensor tick (``seq`` advances by the number of frame periods between two frames), so
frames the module or the link lost show up as a ``gap`` like the wire protocol's; without a
frame rate ``seq`` counts frames received. ``frame_delayed`` and ``data_saturated`` flags
become events of those kinds; broken headers are ``bad_frame`` events.

References
----------
.. [1] Acconeer, acconeer-python-exploration, ``a121/_core/communication/
   exploration_client.py`` and ``exploration_protocol/messages/``: the command sequence and
   message fields followed here (this driver is written apart from it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from detsig.devices.acconeer_protocol import MessageDecoder, command
from detsig.devices.driver import BacklogDriver, SensorCounters, rows_in
from detsig.devices.header import header_from_hello
from detsig.devices.sensor import EventItem, MessageItem, SensorItem
from detsig.devices.sniff import heard_more, looks_like
from detsig.errors import HandshakeError
from detsig.links import Link
from detsig.model import COMPLEX_INT16, GprHeader, RowBlock
from detsig.wire import Gap

#: Sensor settings sent at ``setup`` unless the caller gives others (A121 names).
DEFAULT_SENSOR_CONFIG: dict[str, Any] = {
    "sweeps_per_frame": 4,
    "sweep_rate": 0.0,
    "frame_rate": 20.0,
    "continuous_sweep_mode": False,
    "double_buffering": False,
    "inter_frame_idle_state": "deep_sleep",
    "inter_sweep_idle_state": "ready",
    "subsweeps": [
        {
            "start_point": 80,
            "num_points": 40,
            "step_length": 2,
            "profile": 3,
            "hwaas": 8,
            "receiver_gain": 16,
            "enable_tx": True,
            "enable_loopback": False,
            "phase_enhancement": False,
            "iq_imbalance_compensation": False,
            "prf": "15_6_MHz",
        }
    ],
}
_TICK_MODULUS = 2**32


def make_sensor_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sensor configuration: defaults with ``overrides`` (subsweep keys go to the
    subsweep: ``num_points``, ``start_point``, ``step_length``, ``profile``, ``hwaas`` ...).

    Parameters
    ----------
    overrides : dict, optional
        Settings to change.

    Returns
    -------
    dict
        The full configuration.

    Examples
    --------
    >>> make_sensor_config({"num_points": 100, "frame_rate": 10.0})["subsweeps"][0]["num_points"]
    100
    """
    config = {**DEFAULT_SENSOR_CONFIG, "subsweeps": [dict(DEFAULT_SENSOR_CONFIG["subsweeps"][0])]}
    for key, value in (overrides or {}).items():
        if key in config["subsweeps"][0]:
            config["subsweeps"][0][key] = value
        else:
            config[key] = value
    return config


class AcconeerDriver(BacklogDriver):
    """An Acconeer A121 module on a serial port (UART at 115200+ baud, or USB).

    Parameters
    ----------
    link : Link
        The open port.
    name : str, optional
        Name used in messages (default: the port path).
    sensor_config : dict, optional
        Overrides of :data:`DEFAULT_SENSOR_CONFIG` (see :func:`make_sensor_config`).
    sensor_id : int
        Which sensor of the module (1 on an XM125).
    """

    driver_name = "acconeer"

    def __init__(
        self,
        link: Link,
        name: str | None = None,
        *,
        sensor_config: dict[str, Any] | None = None,
        sensor_id: int = 1,
    ) -> None:
        self.link = link
        self.name = name or link.url
        self.config = make_sensor_config(sensor_config)
        self.sensor_id = sensor_id
        self.decoder = MessageDecoder()
        self.counters = SensorCounters()
        self.system_info: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {}
        self.stream: GprHeader | None = None
        self._backlog: list[SensorItem] = []
        self._answers: list[dict[str, Any]] = []
        self._heard = b""
        self._last_tick: int | None = None
        self._ticks = 0
        self._seq = -1
        self.started_once = False

    # -- the Driver interface ---------------------------------------------------------------
    @property
    def kind(self) -> str:
        """Always ``"radar"``."""
        return "radar"

    @property
    def radar_layout(self) -> dict[str, Any]:
        """The radar stream's geometry for the recording writer (after ``setup``).

        Returns
        -------
        dict
            ``n_points``, ``sweeps_per_frame``, ``start_m``, ``step_m`` (m) and
            ``frame_rate_hz`` (Hz, NaN when free-running).
        """
        config = self.applied_config.get("config", {})
        rate = float(config.get("frame_rate", 0.0) or 0.0)
        return {
            "n_points": int(config["num_points"]),
            "sweeps_per_frame": int(config["sweeps_per_frame"]),
            "start_m": float(config["start_m"]),
            "step_m": float(config["step_m"]),
            "frame_rate_hz": rate if rate > 0 else float("nan"),
        }

    def handshake(self, timeout_s: float = 3.0) -> None:
        """``get_system_info``, ``get_sensor_info`` and ``setup``.

        Parameters
        ----------
        timeout_s : float
            Longest wait for each answer, s.

        Raises
        ------
        HandshakeError
            A step got no answer or an error; ``step`` names it.
        LinkLost
            The port died meanwhile.
        """
        self.link.read_waiting()  # answers to a probe, output of an earlier session
        self._answers = []
        info = self._ask("get_system_info", lambda h: "system_info" in h, timeout_s)
        system = info["system_info"]
        if not isinstance(system, dict) or "a121" not in str(system.get("sensor", "")).lower():
            raise HandshakeError(
                f"the module on {self.name} reports sensor {system.get('sensor')!r}, not an "
                "A121; detsig reads A121 modules (XM125, XE121) only",
                step="get_system_info",
            )
        self.system_info = system
        sensors = self._ask("get_sensor_info", lambda h: "sensor_info" in h, timeout_s)
        listed = sensors["sensor_info"]
        entry = listed[self.sensor_id - 1] if 0 < self.sensor_id <= len(listed) else {}
        if not entry.get("connected"):
            raise HandshakeError(
                f"the module on {self.name} has no sensor {self.sensor_id} connected; check "
                "the sensor board and its flat cable",
                step="get_sensor_info",
            )
        groups = [[{"sensor_id": self.sensor_id, "config": self.config}]]
        answer = self._ask(
            "setup", lambda h: "metadata" in h, timeout_s, groups=groups, update_rate=None
        )
        self._configure(answer)

    def _configure(self, answer: dict[str, Any]) -> None:
        try:
            metadata = answer["metadata"][0][0]
            sweep_points = int(metadata["sweep_data_length"])
            frame_points = int(metadata["frame_data_length"])
            base_step_m = float(metadata["base_step_length_m"])
        except (KeyError, IndexError, TypeError, ValueError):
            raise HandshakeError(
                f"the module on {self.name} answered 'setup' without usable metadata",
                step="setup",
            ) from None
        if sweep_points < 1 or frame_points % sweep_points:
            raise HandshakeError(
                f"the module on {self.name} applied {frame_points} points per frame, not a "
                f"multiple of its {sweep_points} points per sweep",
                step="setup",
            )
        subsweep = self.config["subsweeps"][0]
        applied = {
            **{k: v for k, v in self.config.items() if k != "subsweeps"},
            **subsweep,
            "num_points": sweep_points,
            "sweeps_per_frame": frame_points // sweep_points,
            "base_step_length_m": base_step_m,
            "start_m": subsweep["start_point"] * base_step_m,
            "step_m": subsweep["step_length"] * base_step_m,
            "tick_period": answer.get("tick_period"),
            "ticks_per_second": self.system_info.get("ticks_per_second"),
            "max_sweep_rate": metadata.get("max_sweep_rate"),
            "calibration_temperature": metadata.get("calibration_temperature"),
        }
        hello = {
            "device": "radar",
            "model": f"Acconeer {self.system_info.get('hw') or 'A121 module'}",
            "protocol": "acconeer exploration",
            "firmware": self.system_info.get("rss_version", ""),
            "sensor_id": self.sensor_id,
            "config": applied,
        }
        stream = header_from_hello(hello, COMPLEX_INT16)
        assert isinstance(stream, GprHeader)
        if self.stream is not None and (
            stream.width != self.stream.width
            or applied["sweeps_per_frame"] != self.stream.config["sweeps_per_frame"]
        ):
            raise HandshakeError(
                f"the module on {self.name} came back with {stream.width} points per sweep, "
                f"not {self.stream.width}",
                step="setup",
            )
        self.metadata = metadata
        self.stream = stream

    def start(self, timeout_s: float = 2.0) -> None:
        """``start_streaming``; the first start forgets frames that came before it.

        Parameters
        ----------
        timeout_s : float
            Longest wait for the answer, s.

        Raises
        ------
        HandshakeError
            No answer, or an error (``step`` ``"start_streaming"``).
        """
        if not self.started_once:
            # Frames of a session the module ran before this one are not part of it.
            self.counters.rows_before_start += rows_in(self._backlog)
            self._backlog = [i for i in self._backlog if not isinstance(i, RowBlock)]
            self._last_tick = None
            self.started_once = True
        self._ask("start_streaming", lambda h: h.get("status") == "start", timeout_s)

    def stop(self, timeout_s: float = 1.0) -> None:
        """``stop_streaming`` (frames that arrive before the answer are kept).

        Parameters
        ----------
        timeout_s : float
            Longest wait for the answer, s.
        """
        self._ask("stop_streaming", lambda h: h.get("status") == "stop", timeout_s)

    def resume(self, timeout_s: float = 3.0) -> None:
        """After a reconnect (the module restarted): the handshake again, then start.

        Parameters
        ----------
        timeout_s : float
            Longest wait for each answer, s.
        """
        self.handshake(timeout_s)
        self.start(timeout_s)
        # The module restarted with the cable: its tick restarted too, so frames lost during
        # the outage cannot be counted (the reconnect event records the outage).
        self._last_tick = None

    def _cut_input(self) -> None:
        """A message cut off by the end of the input is a bad frame."""
        self.decoder.reset()
        self._bad_events(time.time_ns())

    # -- exchanges --------------------------------------------------------------------------
    def _ask(
        self,
        cmd: str,
        matches: Callable[[dict[str, Any]], bool],
        timeout_s: float,
        **params: Any,
    ) -> dict[str, Any]:
        self.link.write(command(cmd, **params))
        deadline = time.monotonic() + timeout_s
        while True:
            for index, header in enumerate(self._answers):
                if header.get("status") == "error":
                    del self._answers[index]
                    raise HandshakeError(
                        f"the module on {self.name} refused '{cmd}': "
                        f"{header.get('message', 'no reason given')}",
                        step=cmd,
                    )
                if matches(header):
                    del self._answers[: index + 1]
                    return header
            if time.monotonic() >= deadline:
                raise self._no_answer(cmd, timeout_s)
            self._pump()

    def _no_answer(self, cmd: str, timeout_s: float) -> HandshakeError:
        got = self.decoder.bytes_received
        parameter: str | None = "baud"
        if self.decoder.messages:
            heard = f"it sent {self.decoder.messages} messages but no answer to it"
            parameter = None
        elif got and sum(b >= 0x80 for b in self._heard) > len(self._heard) / 2:
            heard = f"it sent {got} bytes that are no protocol at all; check the baud rate"
        elif got:
            heard = f"it sent {got} bytes but no message header"
            parameter = None
        else:
            heard = "it sent nothing at all; check the cable, that the module runs the "
            heard += "exploration server and the baud rate"
        return HandshakeError(
            f"no answer to '{cmd}' from {self.name} within {timeout_s:g} s ({heard})"
            f"{looks_like(self._heard, 'acconeer')}",
            step=cmd,
            parameter=parameter,
        )

    def _pump(self) -> None:
        data = self.link.read()
        if not data:
            return
        self._heard = heard_more(self._heard, data)
        now_ns = time.time_ns()
        messages = self.decoder.feed(data)
        self.counters.bytes_read = self.decoder.bytes_received
        self.counters.frames = self.decoder.messages
        self._bad_events(now_ns)
        for header, payload in messages:
            if "result_info" in header:
                self._result(header, payload, now_ns)
            elif header.get("status") == "error" and self.started_once:
                text = str(header.get("message", ""))
                self._backlog.append(EventItem("device_error", text, now_ns))
                self._answers.append(header)
            elif header.get("status") == "log":
                self._backlog.append(MessageItem(header, 0, 0, now_ns))
            else:
                self._answers.append(header)

    def _bad_events(self, now_ns: int) -> None:
        for reason in self.decoder.drain_bad():
            self._backlog.append(
                EventItem("bad_frame", f"{reason} (acconeer header)", now_ns, reason=reason)
            )

    def _result(self, header: dict[str, Any], payload: bytes, now_ns: int) -> None:
        stream = self.stream
        if stream is None:
            self.counters.frames_before_hello += 1
            return
        spf = int(stream.config["sweeps_per_frame"])
        expected = spf * stream.width * COMPLEX_INT16.itemsize
        if len(payload) != expected:
            self._backlog.append(
                EventItem(
                    "bad_frame",
                    f"payload of {len(payload)} bytes, setup said {expected} (acconeer frame)",
                    now_ns,
                    reason="payload size",
                )
            )
            return
        try:
            info = header["result_info"][0][0]
            tick = int(info["tick"]) % _TICK_MODULUS
        except (KeyError, IndexError, TypeError, ValueError):
            self._backlog.append(
                EventItem(
                    "bad_frame",
                    "result_info without a tick (acconeer header)",
                    now_ns,
                    reason="result_info without a tick",
                )
            )
            return
        seq = self._sequence(tick, stream, now_ns)
        for flag in ("frame_delayed", "data_saturated"):
            if info.get(flag):
                self._backlog.append(EventItem(flag, f"frame seq {seq}", now_ns))
        ticks_per_s = float(stream.config.get("ticks_per_second") or 1e6)
        data = np.frombuffer(payload, dtype=COMPLEX_INT16).reshape(spf, stream.width)
        self._backlog.append(
            RowBlock(
                data=data,
                seq=np.full(spf, seq % 2**32, dtype=np.uint32),
                device_time_us=np.full(spf, round(self._ticks * 1e6 / ticks_per_s), np.uint64),
                host_time_ns=np.full(spf, now_ns, dtype=np.int64),
            )
        )

    def _sequence(self, tick: int, stream: GprHeader, now_ns: int) -> int:
        config = stream.config
        rate = float(config.get("frame_rate") or 0.0)
        ticks_per_s = float(config.get("ticks_per_second") or 0.0)
        if self._last_tick is None:
            self._last_tick = tick
            self._seq += 1
            return self._seq
        delta = (tick - self._last_tick) % _TICK_MODULUS
        self._last_tick = tick
        self._ticks += delta
        step = 1
        if rate > 0 and ticks_per_s > 0:
            step = max(1, round(delta * rate / ticks_per_s))
        if step > 1:
            self._backlog.append(
                EventItem(
                    "gap", Gap(self._seq % 2**32, step - 1).describe(), now_ns, count=step - 1
                )
            )
        self._seq += step
        return self._seq
