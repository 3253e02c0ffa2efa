"""Pipeline steps whose sizes are physical units resolved from the stream (periods of the
centre frequency, metres of lane), the surface clutter step, and the gpr-detect preset: every
streamed form equals its batch form."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detsig import dsp
from detsig.dsp.pipeline import Pipeline, PipelineError, load_pipeline
from detsig.dsp.surface import remove_surface_clutter, surface_zone
from detsig.model import GprHeader

from .conftest import random_splits

CONTEXT = GprHeader(
    sample_interval_s=1e-10,
    time_zero_s=2e-9,
    trace_step_m=0.01,
    center_frequency_hz=1.1e9,
)


def _steps(*tables: str) -> Pipeline:
    return Pipeline.from_toml("\n".join(f"[[gpr]]\n{table}" for table in tables))


def _chunked(bound, x: np.ndarray, splits: list[int], dtype=np.float32) -> np.ndarray:
    stream = bound.stream(dtype=dtype)
    bounds = [0, *splits, len(x)]
    pieces = [stream.process(x[a:b]) for a, b in itertools.pairwise(bounds[:-1])]
    pieces.append(stream.process_final(x[bounds[-2] :]))
    return np.concatenate(pieces)


def _lane(rng: np.random.Generator, n_traces: int = 90, n_samples: int = 64) -> np.ndarray:
    x = rng.normal(size=(n_traces, n_samples))
    x[:, 18:24] += 40 * np.sin(np.arange(6))[None, :] * (1 + 0.2 * rng.normal(size=(n_traces, 1)))
    return x


def test_dewow_window_in_periods_of_the_centre_frequency(rng):
    bound = _steps('step = "dewow"\nwindow_periods = 1.0').bind(CONTEXT)
    x = rng.normal(size=(20, 64)).astype(np.float32)
    # one period of 1.1 GHz at 0.1 ns: 9.09 samples -> 9
    np.testing.assert_array_equal(bound.run(x), dsp.dewow(x, 9))
    three = _steps('step = "dewow"\nwindow_periods = 0.1').bind(CONTEXT)  # at least 3 samples
    np.testing.assert_array_equal(three.run(x), dsp.dewow(x, 3))
    for splits in ([], [3, 3, 11]):
        np.testing.assert_array_equal(_chunked(bound, x, splits), bound.run(x))


def test_background_window_in_metres(rng):
    x = rng.normal(size=(70, 32)).astype(np.float32)
    for method in ("mean", "median"):
        bound = _steps(f'step = "remove_background"\nwindow_m = 0.2\nmethod = "{method}"').bind(
            CONTEXT
        )
        # 0.2 m at 0.01 m: 20 traces -> 21
        expected = dsp.remove_background(x, 21, method=method)
        np.testing.assert_allclose(bound.run(x), expected, rtol=0, atol=1e-6)
        for _ in range(4):
            y = _chunked(bound, x, random_splits(rng, len(x), 6))
            np.testing.assert_allclose(y, expected, rtol=0, atol=1e-5)


def test_surface_clutter_step_streams_like_the_batch(rng):
    x = _lane(rng)
    bound = _steps('step = "remove_surface_clutter"\nwindow_m = 0.2\nbasis_step_m = 0.03').bind(
        CONTEXT
    )
    zone = surface_zone(
        time_zero_s=2e-9,
        sample_interval_s=1e-10,
        center_frequency_hz=1.1e9,
        trace_step_m=0.01,
        window_m=0.2,
        basis_step_m=0.03,
    )
    assert zone is not None and zone.basis_every == 3
    batch = bound.run(x, dtype=np.float64)
    np.testing.assert_array_equal(batch, remove_surface_clutter(x, zone))
    assert np.abs(batch[:, 18:24]).max() < 0.5 * np.abs(x[:, 18:24]).max()  # the echo went
    for _ in range(6):
        y = _chunked(bound, x, random_splits(rng, len(x), 8), dtype=np.float64)
        np.testing.assert_allclose(y, batch, rtol=0, atol=1e-12)
    y32 = _chunked(bound, x.astype(np.float32), [17, 50])
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, batch, rtol=0, atol=1e-4)
    off = _steps('step = "remove_surface_clutter"\nwindow_m = 0.0').bind(CONTEXT)
    np.testing.assert_array_equal(off.run(x, dtype=np.float64), x)
    assert off.stream().lag == 0


def test_gpr_detect_preset_streams_like_the_batch(rng):
    x = _lane(rng, 260, 64)
    bound = load_pipeline("gpr-detect").bind(CONTEXT)
    assert bound.streamable
    assert [s.spec.name for s in bound.steps] == [
        "dewow",
        "remove_background",
        "remove_surface_clutter",
    ]
    batch = bound.run(x, dtype=np.float64)
    for _ in range(5):
        y = _chunked(bound, x, random_splits(rng, len(x), 8), dtype=np.float64)
        np.testing.assert_allclose(y, batch, rtol=0, atol=1e-12)
    # an ordinary finish() gives the same rows as process_final
    stream = bound.stream(dtype=np.float64)
    y = np.concatenate([stream.process(x[:100]), stream.process(x[100:]), stream.finish()])
    np.testing.assert_allclose(y, batch, rtol=0, atol=1e-12)


def test_a_padded_aligned_window_equals_the_whole_line(rng):
    x = _lane(rng, 400, 64)
    bound = load_pipeline("gpr-detect").bind(CONTEXT)
    assert bound.n_row_steps == 1  # dewow
    margin, align = bound.context_rows, bound.row_alignment
    assert align == 4 and margin == 151 // 2 + 30 + 4  # background half, surface half + group
    whole = bound.run(x, dtype=np.float64)
    start, stop = 190, 260
    lo = max(start - margin, 0) // align * align
    hi = min(stop + margin, len(x))
    part = bound.run(x[lo:hi], dtype=np.float64)[start - lo : stop - lo]
    np.testing.assert_allclose(part, whole[start:stop], rtol=0, atol=1e-12)
    head = bound.run(x[:hi], dtype=np.float64)
    np.testing.assert_allclose(head[:stop], whole[:stop], rtol=0, atol=1e-12)


def test_steps_say_what_the_stream_lacks_and_what_conflicts():
    with pytest.raises(PipelineError, match="exactly one of window_samples and window_periods"):
        _steps('step = "dewow"').bind(CONTEXT)
    with pytest.raises(PipelineError, match="exactly one"):
        _steps('step = "dewow"\nwindow_samples = 5\nwindow_periods = 1.0').bind(CONTEXT)
    with pytest.raises(PipelineError, match="exactly one of window_traces and window_m"):
        _steps('step = "remove_background"\nwindow_traces = 5\nwindow_m = 0.2').bind(CONTEXT)
    bare = GprHeader(sample_interval_s=1e-10)
    with pytest.raises(PipelineError, match=r"step 1 \(dewow\).*center_frequency_hz"):
        _steps('step = "dewow"\nwindow_periods = 1.0').bind(bare)
    with pytest.raises(PipelineError, match="trace_step_m"):
        _steps('step = "remove_background"\nwindow_m = 1.0').bind(bare)
    with pytest.raises(PipelineError, match=r"trace_step_m|center_frequency_hz"):
        load_pipeline("gpr-detect").bind(bare)


def test_gpr_display_preset_is_the_old_viewer_chain(rng):
    """dewow, gain, window mean == dewow, window mean, gain (the gain is linear)."""
    x = rng.normal(size=(50, 64)).astype(np.float32) + np.linspace(0, 5, 64, dtype=np.float32)
    got = load_pipeline("gpr-display").bind(CONTEXT).run(x)
    expected = dsp.gain_power(dsp.remove_background(dsp.dewow(x, 9)), 1e-10, 1.0, time_zero_s=2e-9)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
