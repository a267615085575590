"""`emgmap montage template` and `emgmap montage assign`: muscles for an existing recording, in place."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from emgmap.cli import main
from emgmap.montage import Montage
from emgmap.recordings import open_recording
from emgmap.recordings.importers import import_file

OPENBCI = Path(__file__).resolve().parents[1] / "data" / "openbci_cyton_raw.txt"
ROOT = Path(__file__).resolve().parents[2]


def _samples_digest(path) -> str:
    with h5py.File(path, "r") as f:
        h = hashlib.sha256()
        for k in ("emg/data", "emg/timestamps", "emg/sample_index", "aux/data", "events/onset_s"):
            h.update(f[k][()].tobytes())
        return h.hexdigest()


@pytest.fixture
def imported(tmp_path):
    return import_file(OPENBCI, tmp_path / "rec.h5").path


def test_template_filled_in_and_assigned_without_touching_the_samples(imported, tmp_path, capsys):
    m = tmp_path / "m.toml"
    assert main(["montage", "template", "--from", str(imported), "-o", str(m)]) == 0
    text = m.read_text()
    assert text.count("\n[[channel]]\n") == 8 and "#   gmed  gluteus medius" in text
    assert all(not c.assigned for c in Montage.load(m).channels)       # loads as written: all unassigned
    text = text.replace('name = "EXG Channel 0"\nmuscle = ""          # e.g. "gmed"\nside = "midline"',
                        'name = "EXG Channel 0"\nmuscle = "gmed"\nside = "left"')
    m.write_text(text)
    before = _samples_digest(imported)
    assert main(["montage", "assign", str(imported), "--montage", str(m), "--channel", "EXG Channel 1=TFL:right"]) == 0
    assert "assigned 2 of 8 channels" in capsys.readouterr().out
    assert _samples_digest(imported) == before
    with open_recording(imported) as rec:
        assert [(c.muscle, c.side.value) for c in rec.montage.channels[:3]] == \
            [("gmed", "left"), ("tfl", "right"), ("", "midline")]
        assert rec.config["montage"]["channel"][1]["muscle"] == "tfl"          # the config copy agrees
        assert "montage_assigned_utc" in rec.attrs


def test_template_for_n_channels_and_no_overwrite(tmp_path, capsys):
    m = tmp_path / "m.toml"
    assert main(["montage", "template", "--channels", "4", "-o", str(m)]) == 0
    assert Montage.load(m).names == ("ch1", "ch2", "ch3", "ch4")
    assert main(["montage", "template", "-o", str(m)]) == 2
    assert "exists" in capsys.readouterr().err


def test_a_positional_montage_and_bad_assignments_change_nothing(imported, tmp_path, capsys):
    m = tmp_path / "m.toml"
    Montage.loads("".join(f'[[channel]]\nname = "c{i}"\nmuscle = "{mu}"\nside = "{s}"\n' for i, (mu, s) in enumerate(
        [("gmed", "left"), ("gmed", "right"), ("gmax", "left"), ("gmax", "right"), ("tfl", "left"),
         ("tfl", "right"), ("bf", "left"), ("bf", "right")]))).save(m)
    raw = imported.read_bytes()
    for args, fragment in [(["--channel", "EXG Channel 0=psoas:left"], "unknown muscle 'psoas'"),
                           (["--channel", "nine=gmed:left"], "no channel 'nine'"),
                           (["--channel", "1=gmed:up"], "side must be left, right or midline")]:
        assert main(["montage", "assign", str(imported), *args]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and fragment in err[0], err
        assert imported.read_bytes() == raw                                  # untouched
    assert main(["montage", "assign", str(imported), "--montage", str(m)]) == 0   # same count: by position
    with open_recording(imported) as rec:
        assert rec.channel_names[0] == "EXG Channel 0" and rec.montage.channels[7].muscle == "bf"
        assert rec.montage.bilateral_muscles() == ["gmed", "gmax", "tfl", "bf"]


def test_an_interrupted_recording_is_refused(tmp_path, capsys):
    path = tmp_path / "live.h5"
    crash = ("import os, numpy as np\n"
             "from emgmap.montage import default_montage\n"
             "from emgmap.recordings import RecordingWriter\n"
             f"w = RecordingWriter({str(path)!r}, fs=1000, montage=default_montage(), device='sim', device_model='sim')\n"
             "w.append(np.zeros((10, 8)), np.arange(10) / 1000, np.arange(10))\n"
             "w.flush()\n"
             "os._exit(0)\n")                    # dies without closing: the SWMR mark stays
    subprocess.run([sys.executable, "-c", crash], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    raw = path.read_bytes()
    assert main(["montage", "assign", str(path), "--channel", "1=gmed:left"]) == 2
    assert "still being recorded or was interrupted" in capsys.readouterr().err
    assert path.read_bytes() == raw
