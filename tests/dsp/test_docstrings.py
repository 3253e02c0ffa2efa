"""The Examples sections of the public dsp modules run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "detsig.dsp.background",
    "detsig.dsp.bandpass",
    "detsig.dsp.depth",
    "detsig.dsp.dewow",
    "detsig.dsp.envelope",
    "detsig.dsp.gain",
    "detsig.dsp.header",
    "detsig.dsp.md",
    "detsig.dsp.migration",
    "detsig.dsp.pipeline",
    "detsig.dsp.streaming",
    "detsig.dsp.timezero",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    failures, attempted = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failures == 0


def test_every_public_function_has_numpydoc_sections() -> None:
    import detsig.dsp as dsp

    for name in dsp.__all__:
        item = getattr(dsp, name)
        if not callable(item) or isinstance(item, type):
            continue
        doc = item.__doc__ or ""
        assert doc.strip(), f"{name} has no docstring"
        for section in ("Parameters", "Returns", "References", "Examples"):
            assert section in doc, f"{name} lacks a {section} section"
