"""The import layering of the README holds (``tools/check_layers.py``, run by ``make lint``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CHECK = Path(__file__).resolve().parents[2] / "tools" / "check_layers.py"
SRC = Path(__file__).resolve().parents[2] / "src"


def _run(src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK), str(src)], capture_output=True, text=True, check=False
    )


def test_the_package_has_no_upward_import() -> None:
    result = _run(SRC)
    assert result.returncode == 0, result.stdout


def test_a_planted_upward_import_fails_the_check(tmp_path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(SRC / "detsig", copy / "detsig", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "detsig" / "model" / "track.py"
    # a lazy import inside a function counts as much as one at the top
    target.write_text(
        target.read_text(encoding="utf-8")
        + "\n\ndef _planted():\n    from detsig.viewer.window import MainWindow\n\n"
        "    return MainWindow\n",
        encoding="utf-8",
    )
    result = _run(copy)
    assert result.returncode == 1
    assert "model/track.py" in result.stdout
    assert "model (layer 0) imports detsig.viewer.window (layer 9)" in result.stdout


def test_a_module_outside_every_layer_is_named(tmp_path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(SRC / "detsig", copy / "detsig", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "detsig" / "newthing.py").write_text("X = 1\n", encoding="utf-8")
    result = _run(copy)
    assert result.returncode == 1
    assert "newthing is in no layer" in result.stdout


def _readme_layers() -> list[tuple[str, ...]]:
    """The README's layout table: the parts of each layer, bottom first."""
    import re

    readme = (SRC.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| ((?:`\w+`(?:, )?)+) \|", readme, flags=re.MULTILINE)
    return [tuple(re.findall(r"`(\w+)`", parts)) for _, parts in rows]


def test_the_readme_layout_table_is_the_checked_layering_and_the_tree() -> None:
    sys.path.insert(0, str(CHECK.parent))
    try:
        import check_layers
    finally:
        sys.path.pop(0)
    documented = _readme_layers()
    # the checker knows a few non-package parts the README leaves out (_version, __main__)
    checked = [tuple(p for p in parts if not p.startswith("_")) for parts in check_layers.LAYERS]
    assert documented == checked
    tree = {
        p.stem if p.is_file() else p.name
        for p in (SRC / "detsig").iterdir()
        if (p.is_dir() and any(p.glob("*.py"))) or (p.suffix == ".py")
    }
    tree -= {"__init__", "__main__", "_version"}
    assert tree == {part for parts in documented for part in parts}
