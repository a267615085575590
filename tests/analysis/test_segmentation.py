"""Reps without cues on files no one here wrote: the double-threshold detector
(Bonato et al. 1998) on the BioSPPy recording and the UCI lower-limb exercises."""
import numpy as np
import pytest
from scipy.signal import find_peaks

from emgmap.analysis import analyze_recording
from emgmap.analysis.segmentation import DETECTOR, active_intervals
from emgmap.recordings.importers import import_file

UCI = ["1=rf:right", "2=bf:right", "3=vm:right", "4=st:right"]  # RF, BF, VM, ST in every UCI file


def test_biosppy_gives_its_two_bursts_and_not_its_spikes(shared_data, tmp_path):
    r = import_file(shared_data / "biosppy" / "emg.txt", tmp_path / "b.h5", unit="counts", scale=0.8,
                    channels=["EMG=vl:right"])   # as tests/recordings/test_import.py imports it
    a = analyze_recording(r.path)
    (s,) = a.sets
    assert s.label == "recording" and s.rep_source == "envelope"
    spans = [(rep.start_s, rep.end_s) for rep in s.good_reps]
    assert len(spans) == 2, spans          # the old envelope threshold cut this file into 15 "reps"
    (a0, a1), (b0, b1) = spans
    assert 33 <= a0 <= 37 and 40 <= a1 <= 46     # burst 1, about 34-45 s
    assert 47 <= b0 <= 51 and 56 <= b1 <= 59     # burst 2, about 48-58 s
    assert all(not (lo <= 12 <= hi or lo <= 96 <= hi) for lo, hi in spans)  # the single spikes


def _knee_cycles(path) -> int:
    """Knee-angle cycles of FX, counted independently of any EMG: FX is sampled at 50 Hz
    (each value repeated 20 times at 1 kHz), so take every 20th sample; each cycle is one
    excursion away from the starting angle, i.e. one peak of |FX - FX[0]| with a prominence
    of at least half the largest excursion and at least 1 s from the previous one."""
    fx = np.loadtxt(path, skiprows=7, usecols=4)[::20]
    d = np.abs(fx - fx[0])
    peaks, _ = find_peaks(d, prominence=0.5 * d.max(), distance=50)
    return len(peaks)


@pytest.mark.parametrize("name, cycles", [("5Nsen", 4), ("5Npie", 5), ("3Asen", 4)])
def test_uci_exercises_give_one_rep_per_knee_cycle(shared_data, tmp_path, name, cycles):
    """Seated knee extension (sen) and standing knee flexion (pie), normal and abnormal knee;
    the gait file (mar) is not an exercise of reps: its muscles never rest between cycles."""
    src = shared_data / "uci_lower_limb" / f"{name}.txt"
    assert _knee_cycles(src) == cycles   # also counted by eye on a plot of FX
    r = import_file(src, tmp_path / f"{name}.h5", fs=1000.0, channels=UCI)
    (s,) = analyze_recording(r.path).sets
    assert len(s.good_reps) == cycles, [(x.start_s, x.end_s) for x in s.good_reps]


def test_a_single_spike_and_a_short_twitch_are_not_reps():
    rng = np.random.default_rng(0)
    fs = 1000.0
    x = rng.normal(0, 1.0, int(20 * fs))
    x[5000] += 40.0                                   # one spike
    x[9000:9150] *= 4                                  # a 150 ms twitch (< min_on_s)
    x[12000:14000] *= 3                                # a 2 s contraction
    (found,) = active_intervals(x, fs)
    assert np.array(found) / fs == pytest.approx([12.0, 14.0], abs=0.3)
    assert DETECTOR.min_on_s > 0.15
