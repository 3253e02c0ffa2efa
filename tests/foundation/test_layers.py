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
