"""The ``detsig`` command line: argument parsing and messages, no business logic.

Each subcommand lives in its own module ``detsig.cli.cmd_<name>`` exposing

- ``add_arguments(parser)``: declare the arguments (cheap: no heavy imports at module level),
- ``run(args) -> int``: do the job (import numpy, h5py, numba ... here, lazily).

Only the invoked subcommand's module is imported, so ``detsig --help`` and ``detsig --version``
answer in well under a second. Library errors (:class:`detsig.errors.DetsigError`) become one
sentence on stderr and their exit code (2 bad usage or input, 1 failed job); ``--debug`` shows
the traceback instead. Library messages speak of the domain ("the baud rate"); when an error
names the value at fault (:attr:`detsig.errors.DetsigError.parameters`), the flag that sets it
is appended (``" (--baud)"``), so the command-line user still sees what to type.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from detsig._version import __version__

#: name -> (one-line help, example shown in the subcommand's --help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "record a lane from built-in emulated devices, detect, score, write pictures",
        "detsig demo --out ./detsig-demo --no-view",
    ),
    "emulate": (
        "run a virtual device (GPR, MD, Acconeer radar, text detector, UBX GNSS) on a pty",
        "detsig emulate gpr --scenario standard --seed 1 --link /tmp/gpr0",
    ),
    "record": (
        "record serial devices (and a GNSS receiver) into a new HDF5 file",
        "detsig record --port /dev/ttyUSB0 --port /dev/ttyACM1:acconeer --gnss /dev/ttyACM0:ubx "
        "-o lane1.h5 --operator ana",
    ),
    "info": (
        "show what a recording or vendor file holds",
        "detsig info recordings/standard-lane.h5 --json",
    ),
    "convert": (
        "convert a vendor GPR file to a detsig recording or SEG-Y",
        "detsig convert FILE____032.DZT -o line32.h5",
    ),
    "process": (
        "run a processing pipeline over a recording",
        "detsig process lane.h5 -o lane-processed.h5 --pipeline gpr-default",
    ),
    "detect": (
        "run a detector over a recording and write candidates",
        "detsig detect lane.h5 --detector fused -o candidates.geojson",
    ),
    "view": (
        "replay viewer (or --follow a growing recording, --screenshot for headless)",
        "detsig view lane.h5 --screenshot lane.png",
    ),
    "simulate": (
        "write a synthetic lane (or an area of sweeps) with ground truth",
        "detsig simulate standard --seed 1 -o lane.h5\n"
        "  detsig simulate area --seed 1 --missed-lane 8 --fast-lane 12 -o area/",
    ),
    "survey": (
        "area surveys: dig list, coverage check, C-scans and maps over many sweeps",
        "detsig survey diglist sweeps/ -o survey-out/",
    ),
    "bench": (
        "score detectors (Pd, false alarms/m2, ROC) and run speed benchmarks",
        "detsig bench score --truth lane.h5 --candidates candidates.geojson",
    ),
}


#: Where to set a parameter that the invoked command has no flag for (the flag is another
#: command's): parameter -> the command line that sets it.
ELSEWHERE: dict[str, str] = {
    "allow_partial": "detsig convert --allow-partial",
    "swmr": "detsig record --swmr, then detsig view --follow FILE",
}


def _option_strings(parser: argparse.ArgumentParser, dest: str) -> list[str]:
    """The option strings of the argument stored in ``dest``, searched through ``parser`` and
    its subcommands' parsers (empty when none has it)."""
    for action in parser._actions:
        if action.dest == dest and action.option_strings:
            return list(action.option_strings)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found = _option_strings(sub, dest)
                if found:
                    return found
    return []


def flag_hint(
    parser: argparse.ArgumentParser | None, parameters: Sequence[str], message: str = ""
) -> str:
    """What to append to a library message whose error names ``parameters``: the flags of the
    invoked command that set them (``" (--baud)"``), else the other command that does.

    Parameters
    ----------
    parser : argparse.ArgumentParser or None
        The invoked command's parser (None: no command line to point at).
    parameters : sequence of str
        The error's parameter names (:attr:`detsig.errors.DetsigError.parameters`).
    message : str
        The message; a flag it already names is not repeated.

    Returns
    -------
    str
        ``" (--flag)"``, ``" (--port, --gnss)"`` or ``""`` when no flag corresponds.
    """
    flags: list[str] = []
    for name in parameters:
        options = _option_strings(parser, name) if parser is not None else []
        if options:
            flags.append(max(options, key=len))
        elif name in ELSEWHERE:
            flags.append(ELSEWHERE[name])
    flags = [flag for flag in dict.fromkeys(flags) if flag not in message]
    return f" ({', '.join(flags)})" if flags else ""


def _available_commands() -> dict[str, tuple[str, str]]:
    """The subcommands whose module is present in this installation."""
    return {
        name: entry
        for name, entry in COMMANDS.items()
        if importlib.util.find_spec(f"detsig.cli.cmd_{name}") is not None
    }


def _invoked_command(argv: Sequence[str], names: Sequence[str]) -> str | None:
    for token in argv:
        if token in names:
            return token
        if not token.startswith("-"):
            return None
    return None


def add_command_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    help_text: str,
    example: str,
) -> argparse.ArgumentParser:
    """Add a (sub)command: its one-line help, the same as the sentence opening its ``--help``,
    and an example below its options.

    Parameters
    ----------
    subparsers : argparse subparsers action
        From ``parser.add_subparsers()``.
    name : str
        The command's name.
    help_text : str
        One line, lower case, no full stop.
    example : str
        A command line using it.

    Returns
    -------
    argparse.ArgumentParser
        The command's parser.
    """
    return subparsers.add_parser(
        name,
        help=help_text,
        description=help_text[0].upper() + help_text[1:] + ".",
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Build the parser; only the invoked subcommand's module is imported.

    Parameters
    ----------
    argv : sequence of str
        The command-line arguments (without the program name), used to find the invoked
        subcommand.

    Returns
    -------
    argparse.ArgumentParser
        The parser, with the invoked subcommand's options added.
    """
    parser = argparse.ArgumentParser(
        prog="detsig",
        description="detsig: record, process and detect in metal-detector and GPR signals.",
        epilog="Run 'detsig COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--version", action="version", version=f"detsig {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    commands = _available_commands()
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    invoked = _invoked_command(argv, list(commands))
    for name, (help_text, example) in commands.items():
        sub = add_command_parser(subparsers, name, help_text, example)
        if name == invoked:
            module = importlib.import_module(f"detsig.cli.cmd_{name}")
            module.add_arguments(sub)
            sub.set_defaults(_module=module, _parser=sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``detsig`` command line; returns the process exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (without the program name); ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The subcommand's code (0 on success); the error's exit code for a detsig error (2 for
        bad input), 2 without a subcommand, 130 when interrupted.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    from detsig.errors import DetsigError

    try:
        return int(args._module.run(args) or 0)
    except DetsigError as error:
        if args.debug:
            raise
        hint = flag_hint(getattr(args, "_parser", None), error.parameters, str(error))
        print(f"detsig {args.command}: error: {error}{hint}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"detsig {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
