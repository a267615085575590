import threading

import numpy as np

from emgmap.clock import ManualClock
from emgmap.drivers.sim import SimDriver
from emgmap.dsp import PipelineConfig, kernels, start_warm_up
from emgmap.dsp.onset import detect_bursts, tkeo_envelope
from emgmap.session import Session, State
from emgmap.session import acquisition
from emgmap.sim import SimConfig

KERNELS = (kernels.process_block, kernels.trailing_mean_block, kernels.onset_block, kernels.tkeo_block,
           kernels.sliding_mean_extremes)


def test_warm_up_compiles_the_only_specialisations_the_engine_uses():
    start_warm_up().join(120)
    assert start_warm_up() is start_warm_up()            # once per process
    assert [len(k.signatures) for k in KERNELS] == [1] * len(KERNELS)
    clock = ManualClock()
    s = Session(SimDriver(SimConfig(fs=250.0), clock=clock), clock=clock,
                pipeline_config=PipelineConfig(envelope="linear", notch=True))
    s.start()
    s.wait_until(lambda s: s.rings.total >= 1000, 30)
    s.stop()
    ro = s.rings.envelope.read_range(0, 1000)
    ro.flags.writeable = False                           # read-only input is copied, not recompiled
    detect_bursts(ro, 250.0, np.zeros(8), np.ones(8))
    tkeo_envelope(ro.astype(np.float32), 250.0)
    assert [len(k.signatures) for k in KERNELS] == [1] * len(KERNELS)


class GatedSim(SimDriver):
    """The simulator, whose reads wait until ``gate`` opens: the acquisition thread stays
    where a first block waiting for the compiler keeps it, with no block processed."""

    def __init__(self, gate: threading.Event, **kw):
        super().__init__(**kw)
        self.gate = gate

    def read(self):
        self.gate.wait(30)
        return super().read()


def test_status_says_preparing_until_the_filters_are_ready_and_a_block_is_in(monkeypatch):
    ready, gate = threading.Event(), threading.Event()
    monkeypatch.setattr(acquisition, "kernels_ready", ready.is_set)   # as on a first start
    clock = ManualClock()
    s = Session(GatedSim(gate, config=SimConfig(fs=250.0), clock=clock), clock=clock)
    s.start()
    try:
        assert s.wait_until(lambda s: s.status.state == State.STREAMING, 30)
        assert s.status.preparing and s.status.samples == 0
        ready.set()
        gate.set()
        assert s.wait_until(lambda s: s.rings.total > 0, 30)
        assert not s.status.preparing
    finally:
        gate.set()
        s.stop()
    assert not s.status.preparing
