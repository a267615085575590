"""Imports of OpenBCI GUI files and delimited text, including the real files in ../shared/data."""
from pathlib import Path

import numpy as np
import pytest

from emgmap.cli import main
from emgmap.recordings import open_recording
from emgmap.recordings.importers import Table, import_file, unwrap_openbci_index

DATA = Path(__file__).resolve().parents[1] / "data"
OPENBCI = DATA / "openbci_cyton_raw.txt"
CYTON = [f"--channel={i + 1}={m}:{s}" for i, (m, s) in enumerate(
    [("gmed", "left"), ("gmed", "right"), ("gmax", "left"), ("gmax", "right"),
     ("tfl", "left"), ("tfl", "right"), ("bf", "left"), ("bf", "right")])]
UCI = ["--fs", "1000", "--channel", "RF=rf:right", "--channel", "bf=bf:right", "--channel", "3=vm:right",
       "--channel", "4=st:right"]  # by name (any case) or 1-based position


def test_packet_index_unwraps_at_255_reveals_losses_and_drops_duplicates():
    rows = np.array([[c, 0.0] for c in (253, 254, 255, 0, 0, 1, 5, 6)])
    idx, kept = unwrap_openbci_index(Table(Path("x"), rows, ["Sample Index", "EXG Channel 0"], ["", ""]), 250, 1)
    np.testing.assert_array_equal(idx, [253, 254, 255, 256, 257, 261, 262])
    np.testing.assert_array_equal(kept, [1, 1, 1, 1, 0, 1, 1, 1])


def test_openbci_gui_file(tmp_path, capsys):
    out = tmp_path / "cyton.h5"
    assert main(["import", str(OPENBCI), "-o", str(out), *CYTON]) == 0
    assert "1 gaps" in capsys.readouterr().out
    rows = np.loadtxt(OPENBCI, delimiter=",", comments="%", skiprows=5, usecols=range(24))
    with open_recording(out) as rec:
        assert rec.fs == 250.0 and rec.n_channels == 8 and rec.attrs["device_model"] == "OpenBCI CytonSerial (OpenBCI GUI file)"
        np.testing.assert_allclose(rec.data(), rows[:, 1:9], rtol=1e-6)  # µV with their DC offsets kept
        assert np.abs(rec.data().mean(axis=0)).max() > 20000
        idx = rec.sample_index()
        assert idx[0] == 240 and idx[15] == 255 and idx[16] == 256  # the wrap is not a gap
        gaps = rec.gaps()
        assert [g.missing for g in gaps] == [3] and idx[26] - idx[25] == 4  # packets 10-12 were lost
        assert [e.kind for e in rec.events] == ["gap"] and rec.events[0].label == "3 samples lost"
        np.testing.assert_allclose(rec.timestamps(), (idx - 240) / 250.0)
        assert rec.aux_names[:3] == ["Accel Channel 0", "Accel Channel 1", "Accel Channel 2"]
        assert rec.aux_units[:3] == ["g", "g", "g"] and "Timestamp" in rec.aux_names
        ts = rec.aux()[:, rec.aux_names.index("Timestamp")]
        np.testing.assert_allclose(ts, rows[:, 22])
        assert [c.muscle for c in rec.montage.channels][:2] == ["gmed", "gmed"]
        assert rec.config["import"]["format"] == "OpenBCI-RAW"


def test_uci_lower_limb_mv_with_knee_angle(shared_data, tmp_path, capsys):
    src = shared_data / "uci_lower_limb" / "5Nsen.txt"
    out = tmp_path / "uci.h5"
    assert main(["import", str(src), "-o", str(out), *UCI]) == 0
    raw = np.loadtxt(src, skiprows=7)
    with open_recording(out) as rec:
        assert rec.n_samples == 13480 == raw.shape[0] and rec.fs == 1000.0
        np.testing.assert_allclose(rec.data(), raw[:, :4] * 1000, rtol=1e-6, atol=1e-4)  # mV -> µV
        assert rec.channel_names == ["RF", "BF", "VM", "ST"]
        assert [c.muscle for c in rec.montage.channels] == ["rf", "bf", "vm", "st"]
        assert rec.aux_names == ["FX"] and rec.aux_units == ["deg"]
        np.testing.assert_array_equal(rec.aux()[:, 0], raw[:, 4])  # the knee angle, untouched
        assert rec.gaps() == [] and rec.duration_s == pytest.approx(13.48)
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "FX (deg)" in info and "1000 Hz, 4 channels" in info


def test_biosppy_counts_with_scale_and_mid_scale_offset(shared_data, tmp_path):
    src = shared_data / "biosppy" / "emg.txt"
    r = import_file(src, tmp_path / "b.h5", unit="counts", scale=0.8, channels=["EMG=vl:right"])
    counts = np.loadtxt(src)
    with open_recording(r.path) as rec:
        assert rec.fs == 1000.0 and rec.n_samples == 100000 and rec.channel_names == ["EMG"]
        np.testing.assert_allclose(rec.data()[:, 0], (counts - 2048) * 0.8, rtol=1e-6)  # 12-bit mid-scale
        assert rec.config["import"]["offset"] == 2048.0


@pytest.mark.parametrize("body, fragment", [
    ("1\t2\t3\t4\t5\n1\t2\t3\t4\n", "line 9 has 4 columns, expected 5"),
    ("1\t2\t3\t4\t5\n1\t2\tx3\t4\t5\n", "line 9, column 3: 'x3' is not a number"),
])
def test_bad_lines_are_one_clear_line_and_nothing_is_written(tmp_path, shared_data, capsys, body, fragment):
    head = "".join((shared_data / "uci_lower_limb" / "5Nsen.txt").read_text().splitlines(True)[:7])
    src = tmp_path / "bad.txt"
    src.write_text(head + body)
    out = tmp_path / "bad.h5"
    assert main(["import", str(src), "-o", str(out), *UCI]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0] and str(src) in err[0]
    assert not out.exists()


@pytest.mark.parametrize("args, fragment", [
    ([], "EMG column 'EXG Channel 0' has no muscle"),
    (["--channel", "9=gmed:left"], "no EMG column '9'"),
    (["--channel", "1=gmed"], "must read NAME=muscle:side"),
    (["--channel", "1=psoas:left"], "unknown muscle 'psoas'"),
])
def test_missing_or_bad_muscles_are_one_clear_line(tmp_path, capsys, args, fragment):
    out = tmp_path / "x.h5"
    assert main(["import", str(OPENBCI), "-o", str(out), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]
    assert not out.exists()


def test_a_cut_openbci_row_and_a_binary_file(tmp_path, capsys):
    lines = OPENBCI.read_text().splitlines()
    cut = tmp_path / "cut.txt"
    cut.write_text("\n".join(lines[:20] + [lines[20][:40]] + lines[21:]) + "\n")
    assert main(["import", str(cut), "-o", str(tmp_path / "c.h5"), *CYTON]) == 2
    assert "line 21 has" in capsys.readouterr().err
    h5 = tmp_path / "rec.h5"
    h5.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert main(["import", str(h5), "-o", str(tmp_path / "d.h5")]) == 2
    assert "is not a text file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.txt", "rec.h5"]
