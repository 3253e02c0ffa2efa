"""Check detsig's import layering: a module may import its own layer and the layers below.

The layers, bottom to top (README, "Layout"): model -> wire -> links -> devices -> io -> dsp ->
detect -> sim / bench / survey -> acquire -> viewer -> jobs -> cli. Every ``import detsig.X``
and ``from detsig.X import ...`` counts, at module level or inside a function (a lazy import
is still a dependency). Run ``python tools/check_layers.py [SRC_DIR]``; exit 1 lists each
upward import as ``file:line: layer imports layer``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

#: Layer of each top-level part of the package (sub-package or module), bottom first.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "_version", "model"),
    ("wire",),
    ("links",),
    ("devices",),
    ("io",),
    ("dsp",),
    ("detect",),
    ("sim", "bench", "survey"),
    ("acquire",),
    ("viewer",),
    ("jobs",),
    ("cli", "__main__"),
)
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}


def part_of(module: str) -> str | None:
    """The top-level part of a ``detsig.*`` module name (None: not detsig, or the package)."""
    pieces = module.split(".")
    if pieces[0] != "detsig" or len(pieces) < 2:
        return None
    return pieces[1]


def imports(path: Path, package: str) -> Iterator[tuple[int, str]]:
    """``(line, module)`` of every detsig import in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name == "detsig":  # from detsig import X: X is the part
                for alias in node.names:
                    yield node.lineno, f"detsig.{alias.name}"
            else:
                yield node.lineno, name


def violations(src: Path) -> list[str]:
    """Every upward import under ``src/detsig`` as ``file:line: part (layer) imports ...``."""
    root = src / "detsig"
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(src).with_suffix("")
        module = ".".join(relative.parts)
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        if package.endswith(".__init__"):
            package = package[: -len(".__init__")]
        own = part_of(module.removesuffix(".__init__"))
        if own is None:
            continue
        if own not in RANK:
            found.append(f"{path}:1: {own} is in no layer (add it to tools/check_layers.py)")
            continue
        for line, name in imports(path, package):
            other = part_of(name)
            if other is None or other == own:
                continue
            if other not in RANK:
                found.append(f"{path}:{line}: imports {name}, which is in no layer")
            elif RANK[other] > RANK[own]:
                found.append(
                    f"{path}:{line}: {own} (layer {RANK[own]}) imports {name} (layer {RANK[other]})"
                )
    return found


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "src"
    problems = violations(src)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} upward import(s): see the layering in README.md, 'Layout'")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
