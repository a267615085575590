"""Gait analysis against known truth (simulated gait) and a real gait recording (UCI, knee angle)."""
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from emgmap.analysis.gait import (POINTS, analyze_gait, analyze_recording_gait, burst_bounds, choose_source,
                                  linear_envelope)
from emgmap.dsp import Pipeline, PipelineConfig
from emgmap.dsp.gait_events import EventSource
from emgmap.dsp.indices import symmetry_index
from emgmap.events import EventKind, GaitPhase
from emgmap.montage import Channel, Montage
from emgmap.recordings import open_recording
from emgmap.recordings.importers import import_file
from emgmap.types import ConfigError, Side

from gaitsim import gait_recording

RUN_S = 120.0     # 2 min of running: the SI's estimation noise (~1 pp SD) stays well inside 3 pp
STUDY_COLUMNS = ["file", "subject", "date", "exercise", "set", "side", "measure", "name", "rep", "value", "unit",
                 "normalization", "zone", "expected_low", "expected_high"]


def true_stance_si(sim, truth, muscle, seconds):
    """SI of the true stance activation (%MVC) over the true stances: the definition of
    docs/gait.md applied to the simulator's activation."""
    fs = sim.fs
    act = sim.truth.activation(0, int(seconds * fs))
    t = np.arange(act.shape[0]) / fs
    means = {}
    for side in ("left", "right"):
        i = sim.montage.names.index(f"{muscle}_{side[0].upper()}")
        c, to = truth.contacts(side), truth.toe_offs(side)
        means[side] = np.mean([act[(t >= a) & (t < to[(to > a) & (to < b)][0]), i].mean()
                               for a, b in zip(c[:-1], c[1:])])
    return float(symmetry_index(means["left"], means["right"]))


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    path, sim, truth = gait_recording(tmp_path_factory.mktemp("run") / "run.h5", mode="run", seconds=RUN_S, seed=2)
    with open_recording(path) as rec:
        g = analyze_recording_gait(rec)
    return g, sim, truth


def test_known_truth_strides_cadence_delay_and_symmetry(running):
    g, sim, truth = running
    assert g.source == "footswitch" and g.mode.value == "run" and g.normalization == "mvc"
    for side in (Side.LEFT, Side.RIGHT):
        r = g.sides[side]
        assert abs(len(r.strides) - truth.strides(side)) <= 1                 # found, before outliers
        assert len(r.kept) >= 0.95 * truth.strides(side)
        assert r.cadence_spm == pytest.approx(truth.cadence_spm(), rel=0.01)
    gmed = next(y for y in g.symmetry if y["muscle"] == "gmed")
    assert gmed["onset_delay_ms"] == pytest.approx(40.0, abs=10.0)            # truth: right 40 ms late
    assert gmed["si_percent"] < -8                                          # the right is weaker
    # the stance muscles' SI (gluteals: the main stance burst). tfl, a small stance burst with
    # 5-15 % simulated crosstalk from gmed, misses by ~4 pp: crosstalk is not in the truth
    for y in g.symmetry:
        if y["muscle"] in ("gmed", "gmax"):
            assert y["si_percent"] == pytest.approx(true_stance_si(sim, truth, y["muscle"], RUN_S), abs=3.0), y
        if y["muscle"] != "gmed":                                           # the others are on time
            assert abs(y["onset_delay_ms"]) < 10
    found = g.findings()
    assert found[0].startswith("gmed: stance activation") and "lower on the right side" in found[0]
    assert any(f.startswith("gmed: the right side's burst starts 4") for f in found)
    assert not any(f.startswith("bf") for f in found)                       # near-silent in stance: not judged


def test_walking_cadence_stance_and_delay(tmp_path):
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="walk", seconds=40.0, seed=4)
    with open_recording(path) as rec:
        g = analyze_recording_gait(rec)
    walk = g.sides[Side.LEFT]
    assert g.mode.value == "walk" and walk.cadence_spm == pytest.approx(truth.cadence_spm(), rel=0.01)
    assert 58 < walk.stance_pct < 64
    gmed = next(y for y in g.symmetry if y["muscle"] == "gmed")
    assert gmed["onset_delay_ms"] == pytest.approx(40.0, abs=10.0)


def test_json_section_has_the_shape_of_the_issue(running):
    g = running[0]
    doc = json.loads(json.dumps(g.to_json()))
    assert doc["source"] == "footswitch" and set(doc["sides"]) == {"left", "right"}
    left = doc["sides"]["left"]
    assert {"strides", "cadence_spm", "stride_time_s", "muscles"} <= set(left)
    assert set(left["stride_time_s"]) == {"mean", "cv"} and 0 < left["stride_time_s"]["cv"] < 5
    m = left["muscles"]["gmed_L"]
    assert len(m["mean"]) == len(m["sd"]) == POINTS and m["unit"] == "%MVC"
    assert {"stance_mean", "swing_mean", "onset_pct", "offset_pct"} <= set(m)
    assert m["stance_mean"] > m["swing_mean"]                                # gmed works in stance
    assert -20 < m["onset_pct"] < 0 < m["offset_pct"] < 40                   # terminal swing -> mid stance
    bf = left["muscles"]["bf_L"]
    assert -45 < bf["onset_pct"] < -20 and bf["swing_mean"] > bf["stance_mean"]  # hamstrings: mid-late swing
    assert {y["muscle"] for y in doc["symmetry"]} == {"gmed", "gmax", "tfl", "bf"}


def test_study_rows_use_the_long_table_columns(running):
    rows = running[0].rows(file="run.h5", subject="S1", date="2026-11-30")
    assert all(list(r) == STUDY_COLUMNS for r in rows)
    measures = {r["measure"] for r in rows}
    assert {"gait_cadence", "gait_stride_time", "gait_stride_time_cv", "gait_stance_activation",
            "gait_onset", "gait_symmetry", "gait_onset_delay"} <= measures
    si = next(r for r in rows if r["measure"] == "gait_symmetry" and r["name"] == "gmed")
    assert si["value"] < 0 and si["unit"] == "%" and si["normalization"] == "mvc"


def test_typed_gait_events_for_each_foot(running):
    g = running[0]
    ev = g.events
    assert all(e.kind is EventKind.GAIT for e in ev)
    left_contacts = [e for e in ev if e.side is Side.LEFT and e.gait_phase is GaitPhase.CONTACT]
    assert len(left_contacts) == len(g.sides[Side.LEFT].strides) + 1
    assert left_contacts[0].label == "left contact" and left_contacts[0].channel == "footswitch_L"


@pytest.mark.parametrize("aux, source", [(("accel_L", "accel_R"), "accel"), (("knee_L", "knee_R"), "knee"),
                                         (("footswitch_L", "footswitch_R", "accel_L", "accel_R"), "footswitch")])
def test_auto_picks_the_best_source_the_file_has(tmp_path, aux, source):
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="run", seconds=25.0, seed=4, aux=aux)
    with open_recording(path) as rec:
        g = analyze_recording_gait(rec)
    assert g.source == source and source in g.source_label
    for side in (Side.LEFT, Side.RIGHT):
        assert abs(len(g.sides[side].strides) - truth.strides(side)) <= 1
        assert g.sides[side].cadence_spm == pytest.approx(truth.cadence_spm(25.0), rel=0.01)


def test_without_aux_the_emg_fallback_is_used_and_labelled(tmp_path):
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="run", seconds=30.0, seed=6, aux=(), channels=10)
    with open_recording(path) as rec:
        assert rec.aux_names == []
        g = analyze_recording_gait(rec)
    assert g.source == "emg" and "vm_L" in g.source_label
    assert any("ESTIMATED from the EMG" in n for n in g.notes)
    for side in (Side.LEFT, Side.RIGHT):
        assert abs(len(g.sides[side].strides) - truth.strides(side)) <= 2
        assert g.sides[side].cadence_spm == pytest.approx(truth.cadence_spm(30.0), rel=0.02)


def test_explicit_sources_and_their_errors(tmp_path):
    m = Montage((Channel("RF", "rf", Side.RIGHT), Channel("VM", "vm", Side.RIGHT)))
    assert choose_source("knee:FX", ["FX"], ["deg"], m).columns == {Side.RIGHT: (0,)}
    assert choose_source("auto", ["FX"], ["deg"], m).source is EventSource.KNEE
    plan = choose_source("footswitch:fs_a,fs_b", ["fs_a", "fs_b"], ["V", "V"], m)
    assert plan.columns == {Side.LEFT: (0,), Side.RIGHT: (1,)}
    with pytest.raises(ConfigError, match="unknown gait source 'gps'; valid: auto, footswitch:COL"):
        choose_source("gps", [], [], m)
    with pytest.raises(ConfigError, match="no aux column named 'knee' in this recording; its aux columns: FX"):
        choose_source("knee:knee", ["FX"], ["deg"], m)
    with pytest.raises(ConfigError, match="needs a column"):
        choose_source("accel", ["FX"], ["deg"], m)
    with pytest.raises(ConfigError, match="at least 3 s"):
        analyze_gait(1000.0, np.arange(100) / 1000.0, np.zeros((100, 2)), m)


def test_peak_normalisation_shares_one_divisor_per_muscle(tmp_path):
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="run", seconds=25.0, seed=7, mvc=False,
                                      aux=("footswitch_L", "footswitch_R"))
    with open_recording(path) as rec:
        g = analyze_recording_gait(rec)
    assert g.normalization == "peak" and g.unit == "% mean peak"
    assert any("mean ensemble peak" in n for n in g.notes)
    L, R = g.sides[Side.LEFT].muscles["gmed_L"], g.sides[Side.RIGHT].muscles["gmed_R"]
    assert (L.mean.max() + R.mean.max()) / 2 == pytest.approx(100.0)
    assert R.mean.max() < L.mean.max()                                        # the weak right stays weak


def test_an_artefact_stride_is_flagged_and_left_out(tmp_path):
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="run", seconds=30.0, seed=8,
                                      aux=("footswitch_L", "footswitch_R"))
    with open_recording(path) as rec:
        fs, montage = rec.fs, rec.montage
        x, t, aux = rec.data().astype(float), rec.timestamps(), rec.aux()
        mvc, rest = rec.mvc_uv, rec.rest_rms_uv
    c = truth.contacts("left")
    a, b = np.searchsorted(t, [c[10], c[11]])
    x[a:b, 0] += 2000 * np.sin(2 * np.pi * 80 * t[a:b])                       # a 2 mV burst on gmed_L
    filtered = Pipeline(fs, len(montage), PipelineConfig()).process(x).filtered
    g = analyze_gait(fs, t, filtered, montage, aux=aux, aux_names=["footswitch_L", "footswitch_R"],
                     aux_units=["V", "V"], mvc_uv=mvc, rest_uv=rest)
    excluded = np.array([s.contact_s for s in g.sides[Side.LEFT].strides if s.excluded])
    # the stride, and at most its neighbours (the 6 Hz envelope spreads the burst ~0.1 s)
    assert np.min(np.abs(excluded - c[10])) < 0.005
    assert all(np.min(np.abs(c[9:12] - e)) < 0.005 for e in excluded)
    assert g.sides[Side.LEFT].muscles["gmed_L"].mean.max() < 100            # the ensemble stays clean


def test_burst_bounds_wrap_around_initial_contact():
    pct = np.arange(POINTS, dtype=float)
    curve = np.exp(-0.5 * ((((pct - 5) + 50) % 100 - 50) / 8) ** 2)         # peak at 5 %, wraps
    on, off = burst_bounds(curve, 0.5)
    half = 8 * np.sqrt(2 * np.log(2))
    assert on == pytest.approx(5 - half, abs=0.3) and off == pytest.approx(5 + half, abs=0.3)


# --- real data -------------------------------------------------------------------------------------
UCI_CHANNELS = ["RF=rf:right", "BF=bf:right", "VM=vm:right", "ST=st:right"]   # the UCI files record one leg


def uci_gait(shared_data, tmp_path):
    """5Nmar.txt imported as it is (fs from its header: "... to 1000 samples per second"). Its
    FX column goes on for 18 rows after the 6563 EMG rows: those are left out, said in a
    warning. Returns the recording and the file's numbers read with numpy alone."""
    src = shared_data / "uci_lower_limb" / "5Nmar.txt"
    r = import_file(src, tmp_path / "mar.h5", channels=UCI_CHANNELS)
    raw = np.genfromtxt(src, skip_header=7, delimiter="\t")
    return r, raw[~np.isnan(raw[:, :4]).any(axis=1)]


def test_real_gait_file_imports_with_its_ragged_tail_left_out(shared_data, tmp_path, cli):
    """`emgmap import 5Nmar.txt` refused the file (line 6571 has 1 column); now it keeps the 6563
    rows that have EMG, says on stderr what it left out, keeps FX as an aux channel, and
    `emgmap analyze --gait` takes its events from it."""
    src = shared_data / "uci_lower_limb" / "5Nmar.txt"
    out = tmp_path / "mar.h5"
    res = cli("import", src, "-o", out, *[a for c in UCI_CHANNELS for a in ("--channel", c)])
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip().splitlines() == ["emgmap: warning: left out the last 18 rows of 5Nmar.txt: RF, BF, VM, ST "
                                            "end after row 6563, only FX goes on"]
    assert "imported 6563 samples (6.563 s at 1000 Hz)" in res.stdout and "aux: FX" in res.stdout
    with open_recording(out) as rec:
        assert rec.aux_names == ["FX"] and rec.aux_units == ["deg"] and rec.n_samples == 6563
        assert rec.aux()[-1, 0] == 38.6 and rec.data()[-1, 3] == pytest.approx(-18.1)   # the last full row, µV
    res = cli("analyze", out, "--gait", "--json")
    assert res.returncode == 0, res.stderr
    gait = json.loads(res.stdout)["gait"]
    assert gait["source"] == "knee" and gait["source_label"] == "knee (right: FX)" and gait["sides"]["right"]["strides"] == 4
    res = cli("analyze", out, "--gait", "--report", tmp_path / "mar.html")   # a walk without sets: its gait only
    assert res.returncode == 0 and "gait (walk): events from knee (right: FX)" in res.stdout
    assert "reps" not in res.stdout
    page = (tmp_path / "mar.html").read_text()
    assert "emgmap gait report" in page and page.count("<svg") == 4 and "One leg recorded (right)" in page
    bare = cli("import", src, "-o", tmp_path / "bare.h5")          # no sides given: said, with what to do
    assert bare.returncode == 0
    res = cli("analyze", tmp_path / "bare.h5", "--gait")
    assert res.returncode != 0 and "aux column 'FX' looks like a knee angle, but neither its name nor the EMG montage " \
        "says which leg" in res.stderr and "Traceback" not in res.stderr


def test_real_gait_strides_match_the_knee_flexion_cycles_counted_in_fx(shared_data, tmp_path):
    """Counted in FX independently, twice.

    1. Hysteresis, by hand: a new initial contact each time the knee, having flexed past 30°
       in swing, comes back below 10° (two thresholds, no smoothing). In 5Nmar: 0.28, 1.72,
       3.06, 4.35 and 5.61 s: 5 contacts, 4 complete strides (the file starts and ends in swing).
    2. scipy.signal.find_peaks on FX for the swing flexion peaks: height 40° (the loading-response
       flexion stays under 25°, the swing peak passes 50°), prominence 30°, distance 700 ms (half a
       stride at 90 steps/min). It finds the 4 interior peaks, 1.42, 2.80, 4.12 and 5.38 s (those at
       0.0 and 6.5 s sit on the file's edges): one swing per complete stride, so each stride found
       must hold exactly one of them, late in the cycle (normal walking: swing peak at ~70-75 %).
    """
    r, raw = uci_gait(shared_data, tmp_path)
    fx = raw[:, 4]
    ics, swing = [], False
    for i, v in enumerate(fx):
        if v > 30:
            swing = True
        elif v < 10 and swing:
            swing = False
            ics.append(i / 1000)
    assert len(ics) == 5
    peaks = signal.find_peaks(fx, height=40, prominence=30, distance=700)[0] / 1000
    np.testing.assert_allclose(peaks, [1.419, 2.798, 4.121, 5.381], atol=0.002)
    with open_recording(r.path) as rec:
        g = analyze_recording_gait(rec)
    assert g.source == "knee" and g.source_label == "knee (right: FX)" and list(g.sides) == [Side.RIGHT]
    side = g.sides[Side.RIGHT]
    assert len(side.strides) == len(ics) - 1 == len(peaks) == 4
    contacts = [s.contact_s for s in side.strides] + [side.strides[-1].next_contact_s]
    # the threshold count fires on the way down (at 10°), before the knee is fully extended
    np.testing.assert_allclose(contacts, ics, atol=0.15)
    assert all(c >= i for c, i in zip(contacts, ics))
    for s in side.strides:
        inside = peaks[(peaks > s.contact_s) & (peaks < s.next_contact_s)]
        assert inside.size == 1 and 65 < (inside[0] - s.contact_s) / s.duration_s * 100 < 85
    assert g.mode.value == "walk" and 80 < side.cadence_spm < 100 and 55 < side.stance_pct < 68
    assert g.normalization == "peak"
    for m in side.muscles.values():
        assert len(m.mean) == POINTS and np.isfinite(m.mean).all()
    # vastus medialis: the loading-response burst (Winter 1991; Perry): on at IC, more in stance
    vm = side.muscles["VM"]
    assert vm.stance_mean > vm.swing_mean and -15 < vm.onset_pct < 10


def test_real_gait_envelope_matches_an_independent_scipy_computation(shared_data, tmp_path):
    """The ensemble of the RF envelope rebuilt with scipy alone (butter/sosfiltfilt band-pass
    20-450 Hz, square, 6 Hz low-pass, root, np.interp onto 101 points per stride)."""
    imported, raw = uci_gait(shared_data, tmp_path)
    with open_recording(imported.path) as rec:
        g = analyze_recording_gait(rec)
    r = g.sides[Side.RIGHT]
    fs = 1000.0
    x = raw[:, 0] * 1000
    bp = signal.sosfilt(signal.butter(4, 450 * 0.9, "lowpass", output="sos", fs=fs),
                        signal.sosfilt(signal.butter(2, 20, "highpass", output="sos", fs=fs), x))
    env = np.sqrt(np.clip(signal.sosfiltfilt(signal.butter(2, 6, output="sos", fs=fs), bp ** 2), 0, None))
    t = np.arange(x.size) / fs
    cyc = np.array([np.interp(np.linspace(s.contact_s, s.next_contact_s, POINTS), t, env) for s in r.kept])
    mean = cyc.mean(axis=0)
    ours = r.muscles["RF"].mean
    # both peak-normalised: compare shapes (the pipeline's exact cascade differs in its start-up only)
    assert np.corrcoef(mean, ours)[0, 1] > 0.99
