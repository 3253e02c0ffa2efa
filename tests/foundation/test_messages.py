"""Library messages speak of the domain; the command line maps the value at fault to its flag."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import pytest

import detsig
from detsig.cli import flag_hint, main
from detsig.errors import DetsigError, HandshakeError, InputError, LinkLost

SRC = Path(detsig.__file__).resolve().parent
#: A command-line flag inside a sentence ("--baud", "--gnss-baud").
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring constants (module, class, function, and bare string statements)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            found.add(id(node.value))
    return found


def library_flag_strings() -> list[str]:
    """``file:line: text`` of every string literal outside ``detsig.cli`` naming a flag.

    Docstrings are not messages and are skipped, and so is a literal that is one flag and
    nothing else: an argument handed to another program (``[python, script, "--quick"]``).
    """
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.relative_to(SRC).parts[0] in ("cli", "__main__.py"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if id(node) in docstrings or FLAG.fullmatch(node.value):
                continue
            if FLAG.search(node.value):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value!r}")
    return found


def test_no_library_message_names_a_command_line_flag():
    assert library_flag_strings() == []


def test_the_scan_finds_a_planted_flag(tmp_path, monkeypatch):
    """The scan above would catch a message naming a flag (and not a docstring)."""
    planted = tmp_path / "detsig"
    (planted / "io").mkdir(parents=True)
    (planted / "io" / "bad.py").write_text(
        '"""Read with ``--swmr``."""\n'
        "def f(x):\n"
        '    """Docs may say --follow."""\n'
        '    raise ValueError(f"{x} is bad; give --out DIR")\n'
        'ARGS = ["--quick"]\n'
    )
    monkeypatch.setattr(f"{__name__}.SRC", planted)
    found = library_flag_strings()
    assert len(found) == 1 and "give --out DIR" in found[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="detsig x")
    parser.add_argument("-o", "--out")
    parser.add_argument("--gnss-baud", type=int)
    parser.add_argument("--port", action="append")
    parser.add_argument("--gnss")
    sub = parser.add_subparsers(dest="what")
    speed = sub.add_parser("speed")
    speed.add_argument("--json", dest="json_path")
    return parser


def test_flag_hint_maps_parameters_to_the_invoked_command_flags():
    parser = _parser()
    assert flag_hint(parser, ["out"]) == " (--out)"  # the long form
    assert flag_hint(parser, ["gnss_baud"]) == " (--gnss-baud)"
    assert flag_hint(parser, ["port", "gnss"]) == " (--port, --gnss)"
    assert flag_hint(parser, ["json_path"]) == " (--json)"  # found in a subcommand
    assert flag_hint(parser, ["swmr"]) == " (detsig record --swmr, then detsig view --follow FILE)"
    assert flag_hint(parser, ["nothing_like_it"]) == ""
    assert flag_hint(parser, []) == ""
    assert flag_hint(None, ["out"]) == ""
    # a flag the message already names is not repeated
    assert flag_hint(parser, ["out"], "give a folder with --out") == ""


def test_error_parameters():
    assert DetsigError("x").parameters == ()
    assert InputError("x", parameter="baud").parameters == ("baud",)
    error = HandshakeError("no HELLO", step="hello", parameter=("baud", "gnss"))
    assert error.parameters == ("baud", "gnss") and error.step == "hello"
    assert str(error) == "no HELLO"


def test_a_lost_link_is_a_failed_job_not_bad_input():
    assert LinkLost("gone").exit_code == 1
    assert not isinstance(LinkLost("gone"), InputError)
    assert HandshakeError("silent", step="hello").exit_code == 2


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            ["--timeout-s", "0"],
            "detsig bench: error: the time limit per benchmark must be > 0 s, got 0.0 "
            "(--timeout-s)",
        ),
        (
            ["--benchmarks", "/nonexistent/benchmarks"],
            "detsig bench: error: the benchmark folder /nonexistent/benchmarks does not exist; "
            "give the folder of the bench_*.py scripts (--benchmarks)",
        ),
    ],
)
def test_a_library_error_with_a_parameter_prints_its_flag(
    capsys: pytest.CaptureFixture[str], extra: list[str], expected: str
) -> None:
    assert main(["bench", "speed", *extra]) == 2
    assert capsys.readouterr().err.strip() == expected


def test_a_json_output_that_exists_names_the_json_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "speed.json"
    taken.write_text("{}")
    assert main(["bench", "speed", "--json", str(taken)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"detsig bench: error: {taken} already exists; choose another path for the results or "
        "remove it (--json)"
    )
