"""``detsig emulate gpr|md|acconeer|text|ubx``: a virtual device on a pseudo-terminal.

``gpr`` and ``md`` stream a simulated lane in the detsig wire protocol; ``acconeer`` is an
A121 module with the exploration server, ``text`` an Arduino detector printing lines of
numbers, ``ubx`` a u-blox receiver replaying a generated UBX capture.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig emulate``."""
    parser.add_argument(
        "device",
        choices=("gpr", "md", "acconeer", "text", "ubx"),
        help="which device to emulate: gpr, md (wire protocol, a simulated lane), acconeer "
        "(A121 radar module), text (Arduino detector printing numbers), ubx (u-blox GNSS)",
    )
    parser.add_argument(
        "--scenario", default="standard", help="library scenario or .toml file (default standard)"
    )
    parser.add_argument("--seed", type=int, default=0, help="lane seed (default 0)")
    parser.add_argument(
        "--link", type=Path, help="make this path a symlink to the pty (kept across reconnects)"
    )
    parser.add_argument(
        "--corrupt-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of corrupting each frame (HELLO/ACK excepted)",
    )
    parser.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="probability of dropping each frame (its seq is skipped)",
    )
    parser.add_argument(
        "--disconnect-after",
        type=float,
        metavar="S",
        help="close the pty after S seconds; a new one appears after --outage",
    )
    parser.add_argument(
        "--outage",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds the device stays away after --disconnect-after (default 1)",
    )
    parser.add_argument("--silent", action="store_true", help="never send HELLO")
    parser.add_argument("--loop", action="store_true", help="repeat the lane until stopped")
    parser.add_argument(
        "--wait-start",
        action="store_true",
        help='stream only after a {"cmd": "start"} COMMAND (default: stream at once)',
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="time compression (2 = twice the real device rate; default 1)",
    )
    parser.add_argument(
        "--block-frames", type=int, default=50, help="metal-detector frames per MD_BLOCK"
    )
    parser.add_argument("--fault-seed", type=int, help="seed of the fault draws")
    parser.add_argument(
        "--report", type=Path, metavar="PATH", help="also write the fault report JSON here"
    )
    other = parser.add_argument_group("acconeer, text and ubx devices")
    other.add_argument(
        "--baud",
        type=int,
        metavar="BIT/S",
        help="the device's line speed; a client at another speed reads garbage "
        "(default: acconeer 115200, text 9600, ubx 38400)",
    )
    other.add_argument(
        "--rate", type=float, metavar="HZ", help="text: lines per second (50); ubx: epochs (5)"
    )
    other.add_argument("--space", action="store_true", help="text: space-separated fields")
    other.add_argument("--no-header", action="store_true", help="text: print no header line")
    other.add_argument(
        "--bad-line-every", type=int, metavar="N", help="text: break every N-th line"
    )
    other.add_argument(
        "--epochs", type=int, default=300, metavar="N", help="ubx: epochs in the capture (300)"
    )
    other.add_argument("--capture", type=Path, help="ubx: replay this UBX capture file instead")
    other.add_argument(
        "--corrupt-every", type=int, metavar="N", help="ubx: spoil every N-th message's checksum"
    )
    other.add_argument(
        "--cut-header-every", type=int, metavar="N", help="acconeer: cut every N-th frame header"
    )
    other.add_argument(
        "--garbage-every",
        type=int,
        metavar="N",
        help="acconeer: line noise before every N-th frame (the host must resynchronise)",
    )
    other.add_argument(
        "--stall-after", type=float, metavar="S", help="acconeer: stall S s after start"
    )
    other.add_argument(
        "--stall", type=float, default=0.5, metavar="S", help="acconeer: stall length (0.5 s)"
    )


def _check_options(args: argparse.Namespace) -> None:
    """Refuse bad option values with the option's name (not the library's parameter name)."""
    import math

    from detsig.errors import UsageError

    for flag, rate in (("--corrupt-rate", args.corrupt_rate), ("--drop-rate", args.drop_rate)):
        if not 0.0 <= rate <= 1.0:
            raise UsageError(
                f"{flag} must be a probability between 0 and 1 (e.g. 0.01), got {rate:g}"
            )
    if args.corrupt_rate + args.drop_rate > 1.0:
        raise UsageError(
            f"--corrupt-rate + --drop-rate must not exceed 1, got "
            f"{args.corrupt_rate:g} + {args.drop_rate:g}"
        )
    if not (args.speed > 0 and math.isfinite(args.speed)):
        raise UsageError(f"--speed must be a positive number such as 1 or 2, got {args.speed:g}")
    if args.disconnect_after is not None and not args.disconnect_after >= 0:
        raise UsageError(f"--disconnect-after must be >= 0 seconds, got {args.disconnect_after:g}")
    if not args.outage >= 0:
        raise UsageError(f"--outage must be >= 0 seconds, got {args.outage:g}")
    if not 1 <= args.block_frames <= 65535:
        raise UsageError(f"--block-frames must be 1-65535, got {args.block_frames}")


def _wire_device(args: argparse.Namespace) -> Any:
    from detsig.sim.emulator import EmulatedDevice

    return EmulatedDevice(
        args.device,
        args.scenario,
        args.seed,
        link=args.link,
        corrupt_rate=args.corrupt_rate,
        drop_rate=args.drop_rate,
        disconnect_after_s=args.disconnect_after,
        outage_s=args.outage,
        silent=args.silent,
        loop=args.loop,
        wait_start=args.wait_start,
        speed=args.speed,
        block_frames=args.block_frames,
        fault_seed=args.fault_seed,
    )


def _third_party(args: argparse.Namespace) -> Any:
    """The Acconeer, text or UBX emulator the options describe."""
    from detsig.errors import UsageError

    for flag, value in (
        ("--bad-line-every", args.bad_line_every),
        ("--corrupt-every", args.corrupt_every),
        ("--cut-header-every", args.cut_header_every),
        ("--garbage-every", args.garbage_every),
    ):
        if value is not None and value < 2:
            raise UsageError(f"{flag} must be 2 or more, got {value}")
    if args.rate is not None and not args.rate > 0:
        raise UsageError(f"--rate must be a positive number of Hz, got {args.rate:g}")
    if args.baud is not None and args.baud <= 0:
        raise UsageError(f"--baud must be a line speed such as 9600, got {args.baud}")
    common: dict[str, Any] = {
        "link": args.link,
        "disconnect_after_s": args.disconnect_after,
        "outage_s": args.outage,
        "silent": args.silent,
    }
    if args.baud is not None:
        common["baudrate"] = args.baud
    if args.device == "text":
        from detsig.devices.emulator_text import TextEmulator

        return TextEmulator(
            rate_hz=args.rate or 50.0,
            separator=" " if args.space else ",",
            header=not args.no_header,
            bad_line_every=args.bad_line_every,
            seed=args.seed,
            **common,
        )
    if args.device == "ubx":
        from detsig.devices.emulator_ubx import UbxReplay

        capture = None
        if args.capture is not None:
            if not args.capture.is_file():
                raise UsageError(f"--capture {args.capture} is not a file; give a UBX capture")
            capture = args.capture.read_bytes()
        if not args.epochs >= 1:
            raise UsageError(f"--epochs must be 1 or more, got {args.epochs}")
        return UbxReplay(
            capture,
            rate_hz=args.rate or 5.0,
            n_epochs=args.epochs,
            loop=args.loop,
            corrupt_every=args.corrupt_every,
            **common,
        )
    from detsig.devices.emulator_acconeer import AcconeerEmulator

    return AcconeerEmulator(
        seed=args.seed,
        cut_header_every=args.cut_header_every,
        garbage_every=args.garbage_every,
        stall_after_s=args.stall_after,
        stall_s=args.stall,
        **common,
    )


def run(args: argparse.Namespace) -> int:
    """Run the device until the lane ends (or forever with --loop) or a signal stops it."""
    import json
    import signal
    import sys
    import threading

    from detsig.errors import UsageError

    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    _check_options(args)
    if args.report is not None and (args.report.exists() or not args.report.parent.is_dir()):
        raise UsageError(
            f"--report {args.report} exists or its folder is missing; give a new file path"
        )

    device: Any
    if args.device in ("acconeer", "text", "ubx"):
        device = _third_party(args)
    else:
        device = _wire_device(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        port = device.start()
        print(port, flush=True)
        if args.link is not None:
            print(f"detsig emulate: {args.link} -> {port}", file=sys.stderr, flush=True)
        while not stop.is_set() and not device.wait(0.1):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        device.stop(reason="signal" if stop.is_set() else "stopped")
    report = device.report
    print(device.summary(), file=sys.stderr, flush=True)
    line = json.dumps({"emulator_report": report})
    print(line, flush=True)
    if args.report is not None:
        with open(args.report, "x", encoding="utf-8") as stream:
            json.dump(report, stream, indent=1)
            stream.write("\n")
    return 0
