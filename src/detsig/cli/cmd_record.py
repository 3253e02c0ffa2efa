"""``detsig record``: record serial devices (and a GNSS receiver) into a new HDF5 file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig record``."""
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="PATH[:DRIVER][@BAUD]",
        help="a device port (repeat for several devices), optionally with its own line speed "
        "(@9600; default --baud) and its driver: wire "
        "(detsig firmware), acconeer (A121 radar module), text (detector printing numbers per "
        "line), ubx or nmea (GNSS receiver); without one the driver is told from the device's "
        "first bytes; paths like /dev/ttyUSB0, /dev/pts/5, or socket://host:port",
    )
    parser.add_argument(
        "--gnss",
        metavar="PATH[:DRIVER][@BAUD]",
        help="port of a GNSS receiver, NMEA 0183 or u-blox UBX (PATH:ubx; default: told from "
        "its bytes)",
    )
    parser.add_argument(
        "--driver",
        metavar="NAME",
        help="driver of every --port that names none (wire, acconeer, text, ubx, nmea)",
    )
    parser.add_argument(
        "--text-channels",
        metavar="A,B,...",
        help="channel names of a text detector that prints no header line",
    )
    parser.add_argument(
        "--text-units", default="adc_counts", help="unit of a text detector's numbers"
    )
    parser.add_argument(
        "--acconeer",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an A121 setting for Acconeer modules (repeatable), e.g. num_points=100, "
        "frame_rate=20, start_point=80, step_length=2, sweeps_per_frame=4, profile=3, hwaas=8",
    )
    parser.add_argument(
        "--replay",
        type=Path,
        metavar="RECORDING.h5",
        help="instead of devices, replay this recording through the live recorder (each GPR "
        "and MD stream acts as a device: same HELLO, rows, positions and device events); with "
        "--view it shows as live, with --detect the live detectors run on it",
    )
    parser.add_argument(
        "--replay-speed",
        type=_positive,
        metavar="X",
        help="replay at X times the recorded pace (1 = as recorded; default: as fast as possible)",
    )
    parser.add_argument(
        "-o", "--output", required=True, type=Path, metavar="FILE.h5", help="new recording"
    )
    parser.add_argument(
        "--duration",
        type=_positive,
        metavar="S",
        help="stop after S seconds, counted from the first trace/frame (from the first GNSS "
        "fix sentence when only --gnss is given; default: Ctrl-C)",
    )
    parser.add_argument("--operator", default="", help="who is recording")
    parser.add_argument("--site", default="", help="where (site / lane name)")
    parser.add_argument("--notes", default="", help="free text stored in the file")
    parser.add_argument(
        "--hello-timeout",
        type=_positive,
        default=3.0,
        metavar="S",
        help="how long to wait for each device's HELLO (default 3 s)",
    )
    parser.add_argument(
        "--baud", type=int, default=115200, help="device line speed, bit/s (default 115200)"
    )
    parser.add_argument(
        "--gnss-baud", type=int, default=9600, help="GNSS line speed, bit/s (default 9600)"
    )
    parser.add_argument(
        "--detect",
        action="store_true",
        help="run the streaming detectors live; candidates go to /candidates",
    )
    parser.add_argument(
        "--detect-preset",
        default="default",
        metavar="NAME",
        help="detection preset of --detect: default, sensitive (lower thresholds) or strict "
        "(higher), as 'detsig detect --pipeline NAME' (default: default)",
    )
    parser.add_argument(
        "--view", action="store_true", help="show the live scan window while recording"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no live status line (the summary is still printed)"
    )
    parser.add_argument(
        "--swmr",
        action="store_true",
        help="write in HDF5 SWMR mode: lets 'detsig view --follow FILE' and other processes "
        "read the file while recording; after a crash such a file opens in detsig (which "
        "retries in SWMR mode) or with h5py.File(path, 'r', swmr=True), or after 'h5clear -s "
        "FILE' (default off: a killed recorder then leaves a file plain h5py opens, but nobody "
        "can read it until the recording ends)",
    )


def _acconeer_settings(pairs: list[str]) -> dict[str, Any]:
    """``["num_points=100", "frame_rate=20"]`` -> ``{"num_points": 100, "frame_rate": 20.0}``."""
    import json

    from detsig.devices.acconeer import DEFAULT_SENSOR_CONFIG
    from detsig.errors import UsageError

    known = {**DEFAULT_SENSOR_CONFIG, **DEFAULT_SENSOR_CONFIG["subsweeps"][0]}
    known.pop("subsweeps")
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or key not in known:
            raise UsageError(
                f"--acconeer {pair!r} is not KEY=VALUE with a known key; keys are "
                f"{', '.join(sorted(known))}"
            )
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        if not isinstance(value, type(known[key])) and not (
            isinstance(known[key], float) and isinstance(value, int)
        ):
            raise UsageError(f"--acconeer {key} takes a value like {known[key]!r}, not {text!r}")
        settings[key] = float(value) if isinstance(known[key], float) else value
    return settings


def _size(n_bytes: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} B"


def format_status(status: Any) -> str:
    """One status line: per stream rate, rows, gaps, bad frames; GNSS; file size.

    Parameters
    ----------
    status : SessionStatus
        From :meth:`LiveSession.status`.

    Returns
    -------
    str
        The line, without a newline.
    """
    parts = []
    for s in status.streams:
        unit = "tr/s" if s.kind == "gpr" else "fr/s"
        state = "" if s.connected else " DISCONNECTED"
        parts.append(
            f"{s.name} {s.rate_hz:6.0f} {unit} {s.rows} rows {s.gap_events} gaps "
            f"{s.bad_frames} bad{state}"
        )
    if status.gnss_port:
        if status.gnss_fix_quality is None:
            gnss = "GNSS waiting"
        else:
            gnss = f"GNSS {status.gnss_fix_name} {status.gnss_satellites} sat"
        if not status.gnss_connected:
            gnss += " DISCONNECTED"
        parts.append(gnss)
    parts.append(_size(status.file_bytes))
    if status.candidates is not None:
        parts.append(f"{status.candidates} cand")
    minutes, seconds = divmod(int(status.recording_s), 60)
    parts.append(f"{minutes:02d}:{seconds:02d}")
    return " | ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Record until Ctrl-C, SIGTERM or ``--duration``; returns the exit code."""
    import signal
    import sys
    import threading
    import time

    from detsig.acquire import LiveSession, SessionOptions
    from detsig.errors import UsageError

    replay = getattr(args, "replay", None)
    if replay is not None and (args.port or args.gnss):
        raise UsageError("--replay takes the place of the devices; drop --port and --gnss")
    if replay is None and args.replay_speed is not None:
        raise UsageError("--replay-speed needs --replay RECORDING.h5")
    if replay is None and not args.port and not args.gnss:
        raise UsageError(
            "give at least one device port with --port PATH (or a --gnss PATH, or --replay "
            "RECORDING.h5)"
        )
    if args.baud <= 0 or args.gnss_baud <= 0:
        raise UsageError("--baud and --gnss-baud must be positive line speeds such as 115200")
    from detsig.devices.registry import DriverOptions

    options = SessionOptions(
        ports=list(args.port),
        output=args.output,
        gnss_port=args.gnss,
        driver=args.driver,
        driver_options=DriverOptions(
            text_channels=[c.strip() for c in args.text_channels.split(",")]
            if args.text_channels
            else None,
            text_units=args.text_units,
            acconeer=_acconeer_settings(args.acconeer),
        ),
        baudrate=args.baud,
        gnss_baudrate=args.gnss_baud,
        hello_timeout_s=args.hello_timeout,
        operator=args.operator,
        site=args.site,
        notes=args.notes,
        swmr=args.swmr,
        replay=replay,
        replay_speed=args.replay_speed,
    )
    processor = None
    if args.detect:
        import importlib

        factory = getattr(importlib.import_module("detsig.detect"), "live_processor", None)
        if factory is None:
            raise UsageError(
                "live detection is not available in this installation; record without --detect "
                "and run 'detsig detect' on the file afterwards"
            )
        from detsig.detect.registry import PRESET_NAMES

        if args.detect_preset not in PRESET_NAMES:
            raise UsageError(
                f"--detect-preset {args.detect_preset!r} is not a detection preset; choose one "
                f"of {', '.join(PRESET_NAMES)}"
            )
        processor = factory(preset=args.detect_preset)
    session = LiveSession(options, processor)
    session.open()
    stop = threading.Event()
    reason = ["stopped"]

    def on_signal(signum: int, _frame: Any) -> None:
        reason[0] = signal.Signals(signum).name
        stop.set()

    previous = {
        sig: signal.signal(sig, on_signal)
        for sig in (signal.SIGINT, signal.SIGTERM)
        if threading.current_thread() is threading.main_thread()
    }
    show_line = not args.quiet
    live: Any = None
    line = [""]
    next_status = [time.monotonic() + 0.5]

    def tick() -> None:
        """Refresh the status line about twice a second."""
        if time.monotonic() < next_status[0]:
            return
        next_status[0] = time.monotonic() + 0.5
        line[0] = format_status(session.status())
        if live is not None:
            live.update(line[0])
        elif show_line:
            print(f"\r{line[0]}", end="", file=sys.stderr, flush=True)

    def should_stop() -> bool:
        if stop.is_set():
            return True
        first = session.first_row_monotonic
        if (
            args.duration is not None
            and first is not None
            and time.monotonic() - first >= args.duration
        ):
            reason[0] = "duration"
            return True
        if session.failed is not None:
            reason[0] = "error"
            return True
        if session.input_ended:
            reason[0] = "end of replay"
            return True
        return False

    try:
        if args.view:
            from detsig.viewer.live import prepare_live_view

            prepare_live_view()  # display check, Qt import, kernels: before any data flows
        session.start()
        names = ", ".join(f"{n} ({kind})" for n, kind in session.stream_kinds.items())
        source = f" replayed from {replay}" if replay is not None else ""
        print(f"recording {names}{source} into {args.output}; Ctrl-C stops", file=sys.stderr)
        if show_line and sys.stderr.isatty():
            from rich.console import Console
            from rich.live import Live

            live = Live("", console=Console(stderr=True), refresh_per_second=4, transient=False)
            live.start()
        if args.view:
            from detsig.viewer.live import run_live_view

            run_live_view(session, should_stop=should_stop, on_tick=tick)
            if not should_stop():
                reason[0] = "window closed"
        else:
            while not should_stop():
                stop.wait(0.05)
                tick()
        if live is not None:
            live.stop()
        elif show_line and line[0]:
            print(file=sys.stderr)
        session.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if session.recorder is not None:
            session.stop()
    status = session.status()
    if not any(s.rows for s in status.streams) and not status.gnss_fixes:
        session.remove_empty_output()
        from detsig.errors import DeviceError

        raise DeviceError(
            f"no data arrived from {', '.join(args.port or [args.gnss or str(replay)])} although "
            "they answered; "
            f"{args.output} was removed; check that the devices stream after 'start' and retry"
        )
    print(f"{format_status(status)}", file=sys.stderr)
    recorder = session.recorder
    events = recorder.events_written if recorder is not None else {}
    summary = ", ".join(f"{v} {k}" for k, v in sorted(events.items())) or "no events"
    print(f"saved {args.output} ({reason[0]}); events: {summary}", file=sys.stderr)
    failure = session.failed
    if failure is not None and reason[0] == "error":
        from detsig.errors import JobError

        raise JobError(f"recording stopped early: {failure}; {args.output} holds what came")
    return 0
