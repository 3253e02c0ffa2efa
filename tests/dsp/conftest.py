"""Fixtures of the dsp tests."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20260526)


def random_splits(rng: np.random.Generator, n: int, max_pieces: int = 6) -> list[int]:
    """Sorted random split points in [0, n], repeats allowed (empty chunks are legal)."""
    k = int(rng.integers(0, max_pieces))
    return sorted(int(v) for v in rng.integers(0, n + 1, size=k))
