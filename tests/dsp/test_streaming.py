"""Every streaming form fed in random chunks equals the batch call."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detsig import dsp
from detsig.dsp import streaming
from detsig.errors import ParameterError
from detsig.model import GprHeader, MdHeader

from .conftest import random_splits


def _feed(stream: streaming.StreamFilter, x: np.ndarray, splits: list[int]) -> np.ndarray:
    pieces = []
    bounds = [0, *splits, len(x)]
    for start, stop in itertools.pairwise(bounds):
        pieces.append(stream.process(x[start:stop]))
        # the state between chunks survives a pickle round trip (live pipeline threads)
        stream = pickle.loads(pickle.dumps(stream))
    pieces.append(stream.finish())
    return np.concatenate(pieces)


ROW_FILTERS = [
    (dsp.dewow, {"window_samples": 5}),
    (dsp.gain_agc, {"window_samples": 7}),
    (dsp.gain_power, {"sample_interval_s": 1e-10, "power": 1.0}),
    (dsp.gain_sec, {"sample_interval_s": 1e-10, "exponent_per_s": 1e8}),
    (dsp.bandpass, {"low_hz": 5e8, "high_hz": 2e9, "sample_rate_hz": 1e10}),
    (dsp.envelope, {}),
    (dsp.time_zero, {"per_trace": True}),
]


@pytest.mark.parametrize(("function", "kwargs"), ROW_FILTERS)
def test_row_filters_chunked_equal_batch(rng, function, kwargs):
    x = rng.normal(size=(37, 48)).astype(np.float32)
    batch = function(x, **kwargs)
    for _ in range(5):
        stream = streaming.RowFilter(function, **kwargs)
        np.testing.assert_array_equal(_feed(stream, x, random_splits(rng, len(x))), batch)


@pytest.mark.parametrize("method", ["mean", "median"])
@pytest.mark.parametrize("window", [1, 3, 9, 41])
def test_background_stream_equals_batch(rng, method, window):
    x = rng.normal(size=(40, 12)).astype(np.float32)
    batch = dsp.remove_background(x, window, method=method)
    for _ in range(8):
        stream = streaming.BackgroundStream(window, method)
        y = _feed(stream, x, random_splits(rng, len(x), 10))
        np.testing.assert_allclose(y, batch, atol=2e-6)


def test_background_stream_lag(rng):
    x = rng.normal(size=(20, 4))
    stream = streaming.BackgroundStream(7)
    assert stream.lag == 3
    assert len(stream.process(x[:10])) == 7
    assert len(stream.process(x[10:])) == 10
    assert len(stream.finish()) == 3


@settings(max_examples=40, deadline=None)
@given(
    splits=st.lists(st.integers(0, 60), max_size=8),
    window=st.sampled_from([1, 3, 5, 15]),
    method=st.sampled_from(["mean", "median"]),
)
def test_background_stream_any_splits(splits, window, method):
    x = np.random.default_rng(len(splits) + window).normal(size=(60, 5))
    batch = dsp.remove_background(x, window, method=method)
    y = _feed(streaming.BackgroundStream(window, method), x, sorted(splits))
    np.testing.assert_allclose(y, batch, atol=1e-12)


@pytest.mark.parametrize("band", [(5.0, 50.0), (None, 20.0), (1.0, None)])
def test_bandpass_stream_equals_batch(rng, band):
    from scipy import signal

    x = rng.normal(size=(300, 3))
    sos = dsp.butterworth_sos(band[0], band[1], 1000.0, 4)
    batch = signal.sosfilt(sos, x, axis=0)
    for _ in range(5):
        stream = streaming.BandpassStream(band[0], band[1], 1000.0, 4)
        y = _feed(stream, x, random_splits(rng, len(x), 12))
        np.testing.assert_allclose(y, batch, atol=1e-10)


@pytest.mark.parametrize("method", ["median", "highpass"])
def test_baseline_stream_equals_batch(rng, method):
    x = rng.normal(size=(250, 4)) + np.linspace(0, 20, 250)[:, None]
    kwargs = {"method": method, "window_frames": 31, "cutoff_hz": 1.0, "sample_rate_hz": 100.0}
    batch = dsp.remove_baseline(x, **kwargs)
    for _ in range(6):
        y = _feed(streaming.BaselineStream(**kwargs), x, random_splits(rng, len(x), 12))
        if method == "median":
            np.testing.assert_array_equal(y, batch)
        else:
            np.testing.assert_allclose(y, batch, atol=1e-10)


@pytest.mark.parametrize("window", [1, 4, 25])
def test_smooth_stream_equals_batch(rng, window):
    x = rng.normal(size=(120, 2)).astype(np.float32)
    batch = dsp.smooth(x, window)
    for _ in range(6):
        y = _feed(streaming.SmoothStream(window), x, random_splits(rng, len(x), 12))
        np.testing.assert_allclose(y, batch, atol=1e-6)


def test_ground_balance_stream_equals_batch(rng):
    x = rng.normal(size=(200, 4)) + rng.normal(size=(200, 1)) @ np.array([[3.0, 2.0, 1.0, 0.5]])
    model = dsp.estimate_ground(x[10:60])
    batch = dsp.ground_balance(x, model)
    for _ in range(6):
        stream = streaming.GroundBalanceStream(quiet_start=10, quiet_stop=60)
        y = _feed(stream, x, random_splits(rng, len(x), 8))
        np.testing.assert_allclose(y, batch, atol=1e-12)
    fixed = streaming.GroundBalanceStream(model=model)
    np.testing.assert_allclose(_feed(fixed, x, [17, 90]), batch, atol=1e-12)


def test_ground_balance_stream_too_short():
    stream = streaming.GroundBalanceStream(quiet_start=0, quiet_stop=50)
    stream.process(np.zeros((10, 2)))
    with pytest.raises(ParameterError, match="quiet stretch"):
        stream.finish()


def test_time_zero_stream_fixes_the_first_chunk_shift(rng):
    x = rng.normal(size=(30, 40)) * 0.01
    x[:, 7] = 5.0
    stream = streaming.TimeZeroStream(target_sample=2)
    y = _feed(stream, x, [4, 11])
    assert stream.state == 5
    np.testing.assert_array_equal(y, dsp.time_zero(x, target_sample=2))


def test_stream_rejects_a_changing_width():
    stream = streaming.SmoothStream(3)
    stream.process(np.zeros((4, 2)))
    with pytest.raises(ParameterError, match="columns"):
        stream.process(np.zeros((4, 3)))


def test_explicit_state_functions(rng):
    x = rng.normal(size=(90, 3))
    y1, state = dsp.bandpass_stream(x[:40], 2.0, 20.0, 100.0)
    y2, state = dsp.bandpass_stream(x[40:], 2.0, 20.0, 100.0, state=state)
    whole, _ = dsp.bandpass_stream(x, 2.0, 20.0, 100.0)
    np.testing.assert_allclose(np.vstack([y1, y2]), whole, atol=1e-12)
    assert state.registers.shape == (4, 2, 3)
    assert len(pickle.dumps(state)) < 1000
    with pytest.raises(ParameterError, match="channels"):
        dsp.bandpass_stream(x[:, :2], 2.0, 20.0, 100.0, state=state)


ALL_STREAMABLE_GPR = """
[[gpr]]
step = "time_zero"
shift_samples = 3
[[gpr]]
step = "dewow"
window_samples = 9
[[gpr]]
step = "bandpass"
low_hz = 3e8
high_hz = 2e9
[[gpr]]
step = "remove_background"
window_traces = 7
method = "median"
[[gpr]]
step = "gain_sec"
exponent_per_s = 1e8
[[gpr]]
step = "gain_agc"
window_samples = 11
[[gpr]]
step = "envelope"
[[gpr]]
step = "time_to_depth"
velocity_m_per_s = 1.2e8
"""

ALL_STREAMABLE_MD = """
[[md]]
step = "remove_baseline"
method = "highpass"
cutoff_hz = 0.5
[[md]]
step = "bandpass"
high_hz = 40.0
[[md]]
step = "ground_balance"
quiet_start_s = 0.1
quiet_stop_s = 0.5
[[md]]
step = "smooth"
window_s = 0.04
"""


@pytest.mark.parametrize(
    ("text", "context", "shape"),
    [
        (ALL_STREAMABLE_GPR, GprHeader(sample_interval_s=1e-10), (45, 64)),
        (ALL_STREAMABLE_MD, MdHeader(200.0, ("a", "b", "c")), (400, 3)),
    ],
)
def test_pipeline_stream_equals_pipeline_batch(rng, text, context, shape):
    from detsig.dsp.pipeline import Pipeline

    bound = Pipeline.from_toml(text).bind(context)
    assert bound.streamable
    x = rng.normal(size=shape).astype(np.float32)
    batch = bound.run(x)
    for _ in range(5):
        y = _feed(bound.stream(), x, random_splits(rng, len(x), 8))
        np.testing.assert_allclose(y, batch, rtol=1e-4, atol=1e-4)


def test_prepared_time_zero_equals_batch(rng):
    from detsig.dsp.pipeline import load_pipeline

    x = rng.normal(size=(60, 80)).astype(np.float32) * 0.01
    x[:, 12] = 1.0
    context = GprHeader(sample_interval_s=1e-10, center_frequency_hz=1e9)
    batch = load_pipeline("gpr-default").bind(context).run(x)
    bound = load_pipeline("gpr-default").bind(context)
    assert bound.needs_prepare
    bound.prepare([x[:25], x[25:]])
    assert bound.steps[0].params["shift_samples"] == 12
    y = _feed(bound.stream(), x, [9, 33])
    np.testing.assert_allclose(y, batch, atol=1e-5)
