"""Simulated gait recordings with known truth, written the way the recorder writes them."""
from __future__ import annotations

import numpy as np

from emgmap.dsp import Pipeline, PipelineConfig
from emgmap.events import Event
from emgmap.recordings.writer import RecordingWriter
from emgmap.sim import SimConfig, Simulator
from emgmap.sim.schedule import ContractionList


def gait_recording(path, *, mode="run", scenario="late_gmed_right", seconds=60.0, lead_in=2.0, fs=1000.0,
                   channels=8, seed=3, aux=("footswitch_L", "footswitch_R", "accel_L", "accel_R", "knee_L", "knee_R"),
                   mvc=True, artifacts=True, protocol=False):
    """Write ``seconds`` of simulated walking/running (bout from ``lead_in`` to the end) with
    the chosen aux columns; MVC calibration = the simulator's true MVC amplitudes.
    ``protocol``: recorded as a guided session of the ``mode`` protocol (its name in the
    config, the bout as its set). Returns (path, simulator, bout truth)."""
    sim = Simulator(SimConfig(scenario=scenario, exercise=mode, fs=fs, channels=channels, seed=seed,
                              lead_in=lead_in, artifacts=artifacts))
    sim.schedule = ContractionList([sim.gait_bout(mode, lead_in, seconds)])
    n_frames = int(round(seconds * fs / sim.frame_len))
    start, x, _ = sim.next_frames(n_frames)
    a = sim.aux(start, x.shape[0])
    names = [n for n, _ in sim.aux_channels]
    cols = [names.index(c) for c in aux]
    with RecordingWriter(path, fs=fs, montage=sim.montage, device=f"sim:?exercise={mode}&scenario={scenario}",
                         device_model="emgmap simulator", aux=[sim.aux_channels[j] for j in cols],
                         config=f'[protocol]\nname = "{mode}"\n' if protocol else "", swmr=False) as w:
        if protocol:
            w.add_events([Event.set(mode, None, lead_in, seconds - lead_in)])
        w.append(x, (start + np.arange(x.shape[0])) / fs, start + np.arange(x.shape[0]),
                 a[:, cols] if cols else None)
        if mvc:  # rest: the quiet lead-in's RMS (as the rest baseline captures it); MVC: the true one
            quiet = Pipeline(fs, channels, PipelineConfig()).process(x[:int((lead_in - 0.2) * fs)]).filtered
            rest = np.sqrt(np.mean(quiet[int(0.5 * fs):] ** 2, axis=0))
            w.set_calibration(rest, sim.truth.mvc_rms_uv)
    return w.path, sim, sim.truth.gait[0]
