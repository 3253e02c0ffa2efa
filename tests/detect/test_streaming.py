"""Streaming equals batch for every detector whatever the block sizes; the live processor
equals ``detsig detect``."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.detect import DetectProcessor, detect, live_processor
from detsig.detect.lane import LaneDetector, sort_candidates
from detsig.detect.lane_input import load_lane
from detsig.devices import header_from_hello
from detsig.model import RowBlock
from detsig.sim import simulate_lane, write_lane

from .conftest import needs_jit

pytestmark = needs_jit

DETECTORS = ("md-cfar", "gpr-energy", "gpr-hyperbola", "fused")


def _random_cuts(rng, n, max_block):
    cuts, position = [], 0
    while position < n:
        size = int(rng.choice([0, 1, 2, int(rng.integers(1, max_block))]))
        cuts.append((position, min(position + size, n)))
        position += size
    return cuts


def _streamed(lane_input, name, rng, all_scores):
    md, gpr = lane_input.md, lane_input.gpr
    detector = LaneDetector(
        name,
        md=md.header,
        gpr=gpr.header,
        md_stream=md.name,
        all_scores=all_scores,
    )
    md_cuts = _random_cuts(rng, md.rows.n_rows, 700)
    gpr_cuts = _random_cuts(rng, gpr.rows.n_rows, 90)
    found = []
    # interleave the two streams as a live session would
    while md_cuts or gpr_cuts:
        if md_cuts and (not gpr_cuts or rng.random() < 0.5):
            a, b = md_cuts.pop(0)
            found += detector.feed_md(*md.rows.rows(a, b)[:2])
        else:
            a, b = gpr_cuts.pop(0)
            found += detector.feed_gpr(*gpr.rows.rows(a, b)[:2])
    found += detector.finish()
    return sort_candidates(found)


@pytest.fixture(scope="module")
def short_standard_lane():
    from detsig.sim import load_scenario

    scenario = load_scenario("standard")
    lane = scenario.lane.__class__(length_m=4.0, swept_width_m=0.5, min_spacing_m=0.6, margin_m=0.5)
    populate = tuple(p.__class__(**{**p.__dict__, "count": 1}) for p in scenario.populate[:4])
    return simulate_lane(scenario.replace(lane=lane, populate=populate), 3)


@pytest.mark.parametrize("name", DETECTORS)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_chunks_equal_batch(short_standard_lane, name, seed):
    lane_input = load_lane(short_standard_lane)
    batch = detect(short_standard_lane, detector=name, all_scores=True)
    assert batch, "the lane must give candidates for the comparison to mean anything"
    streamed = _streamed(lane_input, name, np.random.default_rng(seed), all_scores=True)
    assert streamed == batch


def test_chunked_default_threshold_equals_batch(short_standard_lane):
    for name in DETECTORS:
        batch = detect(short_standard_lane, detector=name)
        chunked = detect(short_standard_lane, detector=name, block_rows=17)
        assert chunked == batch


def test_fused_emits_before_the_end(short_standard_lane):
    lane_input = load_lane(short_standard_lane)
    md, gpr = lane_input.md, lane_input.gpr
    detector = LaneDetector(
        "fused",
        md=md.header,
        gpr=gpr.header,
        all_scores=True,
    )
    early = []
    for k in range(0, 4):
        a, b = k * md.rows.n_rows // 4, (k + 1) * md.rows.n_rows // 4
        early += detector.feed_md(*md.rows.rows(a, b)[:2])
        a, b = k * gpr.rows.n_rows // 4, (k + 1) * gpr.rows.n_rows // 4
        early += detector.feed_gpr(*gpr.rows.rows(a, b)[:2])
    late = detector.finish()
    assert early, "fused candidates far behind both sensors are final before the end"
    assert sort_candidates(early + late) == detect(
        short_standard_lane, detector="fused", all_scores=True
    )


def _blocks(stream, rng):

    n = stream.n_rows
    data = stream.data[:]
    columns = stream.columns
    nan = np.full(n, np.nan)
    for a, b in _random_cuts(rng, n, 300):
        yield RowBlock(
            data=data[a:b],
            seq=stream.column("seq")[a:b],
            device_time_us=stream.column("device_time_us")[a:b],
            host_time_ns=stream.column("host_time_ns")[a:b],
            distance_m=stream.column("distance_m")[a:b],
            lat_deg=(stream.column("lat_deg") if "lat_deg" in columns else nan)[a:b],
            lon_deg=(stream.column("lon_deg") if "lon_deg" in columns else nan)[a:b],
            first_row=a,
        )


def test_live_processor_equals_detect_on_the_recording(tmp_path):
    """The recorder's processor interface, fed the recorded rows in random blocks with only
    what a live session knows (HELLO and stream info), gives what ``detect`` gives offline."""
    from detsig.io.recording import open_recording

    path = tmp_path / "lane.h5"
    lane = simulate_lane("single-plastic", 2)
    write_lane(lane, path)
    offline = detect(path, detector="fused", all_scores=True)
    assert offline
    with open_recording(path) as rec:
        gpr, md = rec.streams["gpr0"], rec.streams["md0"]
        # what a live session knows: the HELLO (whose config lacks the time zero the simulator
        # wrote into the file), so the test hands the processor the recorded attributes the
        # live recorder would have written from the HELLO
        gpr_hello = dict(gpr.device)
        gpr_hello["config"] = {
            **gpr_hello["config"],
            "time_zero_s": gpr.attrs["time_zero_s"],
            "antenna_height_m": gpr.attrs["antenna_height_m"],
        }
        gpr_hello["config"].setdefault("sample_interval_s", gpr.attrs["sample_interval_s"])
        infos = {"gpr0": header_from_hello(gpr_hello), "md0": header_from_hello(md.device)}
        processor = DetectProcessor("fused", all_scores=True)
        processor.on_start(infos)
        rng = np.random.default_rng(5)
        live = []
        blocks = [("md0", b) for b in _blocks(md, rng)] + [("gpr0", b) for b in _blocks(gpr, rng)]
        order = rng.permutation(len(blocks))
        # keep each stream's blocks in order while interleaving the two streams
        md_blocks = [b for b in blocks if b[0] == "md0"]
        gpr_blocks = [b for b in blocks if b[0] == "gpr0"]
        for index in order:
            source = md_blocks if (index % 2 == 0 and md_blocks) or not gpr_blocks else gpr_blocks
            name, block = source.pop(0)
            live += processor.on_rows(name, block)
        live += processor.on_stop()
    assert sort_candidates(live) == offline
    assert processor.n_candidates == len(live)


def test_live_processor_factory_and_unknown_streams():
    processor = live_processor()
    assert isinstance(processor, DetectProcessor) and processor.detector == "auto"
    processor.on_start({})
    assert processor.on_rows("gpr0", None) == [] and processor.on_stop() == []
