"""Independent expectations for the sample files of ../shared/data/gpr.

Values come from ../shared/data/README.md (shapes, sample types, antenna, range, scans per metre,
marks, header size), from the vendors' header text (pulseEKKO .HD, MALA .rad, the gprMax .in),
and from hand-decoding the NMEA sentences of the GPS sidecars. They are written out here, not
computed by detsig.
"""

from __future__ import annotations


def _deg(degrees: float, minutes: float, sign: float = 1.0) -> float:
    return sign * (degrees + minutes / 60.0)


#: relative path -> expectation
EXPECTED: dict[str, dict[str, object]] = {
    "gssi/FILE____032.DZT": {
        "format": "gssi-dzt",
        "shape": (1040, 512),
        "dtype": "uint16",
        "sample_interval_s": 48e-9 / 512,  # 48 ns range over 512 samples
        "center_frequency_hz": 400e6,
        "trace_step_m": 1 / 50.0,  # 50 scans/m
        "n_marks": 11,
        "header": {"rh_nsamp": 512, "rh_bits": 16, "rh_nchan": 1, "data_offset_bytes": 1024},
        "distance_m": (0.0, 1039 / 50.0),
        "latlon": None,
    },
    "gssi/test_gssi.DZT": {
        "format": "gssi-dzt",
        "shape": (345, 2048),
        "dtype": "int32",
        "sample_interval_s": 2300e-9 / 2048,
        "header": {"rh_nsamp": 2048, "rh_bits": 32, "data_offset_bytes": 128 * 1024},
        # $GPGGA,000320,4739.2552,N,12218.5815,W: the antenna did not move.
        "latlon": (_deg(47, 39.2552), _deg(122, 18.5815, -1.0)),
        # first fix at $GSSIS,23, last at $GSSIS,335: no position before or after (NaN)
        "fix_rows": (23, 335),
        "gps_fixes": 14,
        # DZX waypoints: scan 0 at 0 m, scan 341 at 10 m.
        "distance_at": {0: 0.0, 341: 10.0},
    },
    "gssi/test_gssi_partialgps.DZT": {
        "format": "gssi-dzt",
        "shape": (345, 2048),
        "dtype": "int32",
        "sample_interval_s": 2300e-9 / 2048,
        "header": {"rh_nsamp": 2048, "rh_bits": 32, "data_offset_bytes": 128 * 1024},
        "latlon": (_deg(47, 39.2552), _deg(122, 18.5815, -1.0)),
        "fix_rows": (23, 335),
        "gps_fixes": 13,  # one $GSSIS record lost its GGA sentence
    },
    "pulseekko/XLINE00.DT1": {
        "format": "pulseekko-dt1",
        "shape": (531, 1500),
        "dtype": "int16",
        "sample_interval_s": 1200e-9 / 1500,  # TOTAL TIME WINDOW 1200 ns, 1500 points
        "center_frequency_hz": 50e6,
        "trace_step_m": 2.0 * 0.3048,  # STEP SIZE USED 2 ft
        "distance_m": (0.0, 1060.0 * 0.3048),  # 0 .. 1060 ft
        "header": {"NUMBER OF TRACES": 531.0, "NUMBER OF PTS/TRC": 1500.0},
        "latlon": None,
    },
    "pulseekko/XLINE00.HD": {"same_as": "pulseekko/XLINE00.DT1"},
    "mala/ten_col.rd3": {
        "format": "mala-rd3",
        "shape": (10, 512),
        "dtype": "int16",
        "sample_interval_s": 1e-6 / 2426.187744,  # FREQUENCY:2426.187744 (MHz)
        "center_frequency_hz": 500e6,  # ANTENNAS:500_shielded_egrip
        "header": {"SAMPLES": 512.0, "LAST TRACE": 10.0},
        # .cor trace 7: 75.63203000000 N 35.98767333333 W; the next fixes (traces 18, 27) lie
        # beyond the 10 traces, so rows 6..9 are interpolated and rows 0..5 have no position
        "latlon_at": {6: (75.63203, -35.98767333333)},
        "fix_rows": (6, 9),
    },
    "mala/ten_col.rad": {"same_as": "mala/ten_col.rd3"},
    "mala/ten_col_nogps.rd3": {
        "format": "mala-rd3",
        "shape": (10, 512),
        "dtype": "int16",
        "sample_interval_s": 1e-6 / 2426.187744,
        "center_frequency_hz": 500e6,
        "latlon": None,
        "distance_m": None,
    },
    "mala/ten_col_nogps.rad": {"same_as": "mala/ten_col_nogps.rd3"},
    "gprmax/rectangle_gprMax3_Bscan.h5": {
        "format": "gprmax",
        "shape": (85, 1697),
        "dtype": "float32",
        "sample_interval_s": 1.1793271683748419e-09,
        "distance_m": None,  # gprMax 3 stores no per-trace positions
    },
    "gprmax/cylinder_Ascan_2D_gprMax3.out": {
        "format": "gprmax",
        "shape": (1, 637),
        "dtype": "float32",
        "sample_interval_s": 4.717308673499368e-12,
        "distance_m": (0.12, 0.12),  # source at x=0.10, receiver at x=0.14
    },
    "gprmax/cylinder_Bscan20_2D_gprMax4.out": {
        "format": "gprmax",
        "shape": (20, 849),
        "dtype": "float32",
        "sample_interval_s": 4.717308673499368e-12,
        # the .in: source at x=0.030, receiver at x=0.070, both stepping 0.010 m
        "distance_m": (0.05, 0.05 + 19 * 0.01),
        "trace_step_m": 0.01,
    },
}


def expectation(relative: str) -> dict[str, object]:
    entry = EXPECTED[relative]
    if "same_as" in entry:
        return EXPECTED[str(entry["same_as"])]
    return entry
