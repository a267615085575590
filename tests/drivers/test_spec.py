import pytest

from emgmap.drivers import open_driver, parse_spec
from emgmap.drivers.sim import SimDriver
from emgmap.types import DeviceSpecError

KINDS = ("sim", "brainflow", "serial", "replay")


@pytest.mark.parametrize("text, kind, target, params", [
    ("sim", "sim", "", {}),
    ("sim:?scenario=tfl_dominant_clam&fs=2000&channels=8&seed=1", "sim", "",
     {"scenario": "tfl_dominant_clam", "fs": "2000", "channels": "8", "seed": "1"}),
    ("brainflow:cyton?port=/dev/ttyUSB0", "brainflow", "cyton", {"port": "/dev/ttyUSB0"}),
    ("brainflow:playback?file=/tmp/a%20b.csv", "brainflow", "playback", {"file": "/tmp/a b.csv"}),
    ("serial:/dev/ttyACM0?fs=1000&channels=4&format=binary&scale_uv=4.88&baud=115200", "serial",
     "/dev/ttyACM0", {"fs": "1000", "channels": "4", "format": "binary", "scale_uv": "4.88", "baud": "115200"}),
    ("replay:session.h5?speed=1", "replay", "session.h5", {"speed": "1"}),
    ("  SIM  ", "sim", "", {}),
])
def test_good_specs(text, kind, target, params):
    s = parse_spec(text, KINDS)
    assert (s.kind, s.target, s.params) == (kind, target, params)


@pytest.mark.parametrize("text, match", [
    ("usb:/dev/ttyUSB0", "unknown device 'usb:/dev/ttyUSB0'; valid forms: sim; sim:"),
    ("", "unknown device"),
    ("sim:?fs", "key=value pairs"),
    ("sim:?fs=1&fs=2", "given twice"),
])
def test_bad_specs_list_the_valid_forms(text, match):
    with pytest.raises(DeviceSpecError, match=match):
        parse_spec(text, KINDS)


@pytest.mark.parametrize("text, match", [
    ("sim:?fs=abc", "fs must be a finite number from 100 to 20000, got 'abc'"),
    ("sim:?channels=2.5", "channels must be a whole number"),
    ("sim:?channels=40", "channels must be a whole number from 1 to 18, got 40"),
    # NaN and infinities never pass a range check (issue 18 item 11)
    ("sim:?channels=nan", "channels must be a whole number from 1 to 18, got nan"),
    ("sim:?seed=inf", "seed must be a whole number from 0 to"),
    ("sim:?fs=nan", "fs must be a finite number from 100 to 20000, got nan"),
    ("sim:?drop_rate=-inf", "drop_rate must be a finite number from 0 to 0.99"),
    ("serial:/dev/null?baud=nan", "baud must be a whole number from 50 to 10000000, got nan"),
    ("serial:/dev/null?scale_uv=nan", "scale_uv must be a finite number"),
    ("serial:/dev/null?timeout=nan", "unknown parameter 'timeout'"),
    ("brainflow:cyton?port=/dev/null&timeout=nan", "timeout must be a whole number from 0 to 600, got nan"),
    ("lsl:type=EMG?timeout=nan", "timeout must be a finite number from 0.1 to 120, got nan"),
    ("sim:?scenario=nope", "unknown scenario 'nope'; valid: healthy, quad_dominant_sls"),
    ("sim:?color=red", "unknown parameter 'color'; valid parameters: scenario"),
    ("sim:?artifacts=maybe", "artifacts must be 0 or 1"),
    ("sim:COM3", "takes no target"),
])
def test_bad_sim_parameters(text, match):
    with pytest.raises(Exception, match=match) as e:
        open_driver(text)
    assert "Traceback" not in str(e.value)


def test_open_sim_applies_parameters():
    d = open_driver("sim:?scenario=tfl_dominant_clam&fs=1000&channels=4&seed=3&fast=1")
    assert isinstance(d, SimDriver)
    assert d.spec.fs == 1000 and d.spec.n_channels == 4 and not d.paced
    assert d.sim.config.scenario == "tfl_dominant_clam" and d.sim.config.seed == 3
    assert d.montage.names == ("gmed_L", "gmed_R", "gmax_L", "gmax_R")
