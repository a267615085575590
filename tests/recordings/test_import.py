"""Imports of OpenBCI GUI files (every generation), BrainFlow CSV and delimited text, including the
real files in ../shared/data."""
import threading
from pathlib import Path

import numpy as np
import pytest

from emgmap.cli import main
from emgmap.recordings import open_recording
from emgmap.recordings.importers import import_file
from emgmap.recordings.openbci import COUNTERS, Board, CounterRule, host_unit, unwrap_counter

DATA = Path(__file__).resolve().parents[1] / "data"
OPENBCI = DATA / "openbci_cyton_raw.txt"      # BrainFlow-era GUI layout (column names, Timestamp in s)
CYTON = [f"--channel={i + 1}={m}:{s}" for i, (m, s) in enumerate(
    [("gmed", "left"), ("gmed", "right"), ("gmax", "left"), ("gmax", "right"),
     ("tfl", "left"), ("tfl", "right"), ("bf", "left"), ("bf", "right")])]
UCI = ["--fs", "1000", "--channel", "RF=rf:right", "--channel", "bf=bf:right", "--channel", "3=vm:right",
       "--channel", "4=st:right"]  # by name (any case) or 1-based position


# --- counters ----------------------------------------------------------------------------------------
def test_cyton_counter_unwraps_at_255_reveals_losses_and_drops_duplicates():
    c = np.array([253, 254, 255, 0, 0, 1, 5, 6], float)
    same = np.array([0, 0, 0, 0, 1, 0, 0, 0], bool)   # row 4 repeats row 3 exactly
    u = unwrap_counter(c, COUNTERS[Board.CYTON], fs=250, same_as_previous=same)
    np.testing.assert_array_equal(u.index, [253, 254, 255, 256, 257, 261, 262])
    np.testing.assert_array_equal(u.keep, [1, 1, 1, 1, 0, 1, 1, 1])
    assert u.duplicates == 1


def test_a_repeated_counter_with_new_values_is_a_whole_period_not_a_duplicate():
    u = unwrap_counter(np.array([7, 7, 8], float), COUNTERS[Board.CYTON], fs=250)
    np.testing.assert_array_equal(u.index, [7, 263, 264])


def test_daisy_steps_by_two_and_ganglion_carries_two_samples_per_packet():
    d = unwrap_counter(np.array([251, 253, 255, 1, 3, 7], float), COUNTERS[Board.CYTON_DAISY], fs=125)
    np.testing.assert_array_equal(np.diff(d.index), [1, 1, 1, 1, 2])          # 5 was lost
    # Ganglion firmware 2: packet 0 holds one sample, then 1..100 twice each; 4 was lost
    g = unwrap_counter(np.array([0, 1, 1, 2, 2, 3, 3, 5, 5, 99, 99, 100, 100, 1, 1], float),
                       COUNTERS[Board.GANGLION], fs=200)
    np.testing.assert_array_equal(np.diff(g.index), [1, 1, 1, 1, 1, 1, 3, 1, 187, 1, 1, 1, 1, 1])
    # (5 -> 99 skips 93 packets: 186 samples lost)


def test_host_clock_adds_whole_periods_for_long_dropouts_but_not_for_a_stall():
    fs, rule = 250.0, COUNTERS[Board.CYTON]
    true = np.r_[0:600, 600 + 256 + 10:1500]                     # 266 samples lost: counter shows 10
    host = 1.7e9 + true / fs + np.random.default_rng(1).uniform(0, 0.004, true.size)
    u = unwrap_counter((true % 256).astype(float), rule, fs=fs, host_s=host)
    np.testing.assert_array_equal(u.index, true)
    assert u.clock_wraps == 1
    # a reader that stalled 1.5 s and then delivered the backlog at once lost nothing
    idx = np.arange(1500)
    t = 1.7e9 + idx / fs
    t[600:980] = np.maximum(t[600:980], t[600] + 1.5)
    s = unwrap_counter((idx % 256).astype(float), rule, fs=fs, host_s=t)
    np.testing.assert_array_equal(s.index, idx)
    assert s.clock_wraps == 0


def test_host_clock_unit_is_told_from_the_data():
    n, fs = 1000, 250.0
    t = 1557936053.329 + np.arange(n) / fs
    assert host_unit(t, n, fs) == "s"
    assert host_unit(np.round(t * 1000), n, fs) == "ms"
    assert host_unit(np.zeros(n), n, fs) is None


# --- the three OpenBCI GUI generations in ../shared/data ----------------------------------------------------
def counter_column(path: Path) -> list[int]:
    """The first field of every data row, read by hand: no '%' line, no empty line, no all-zero row."""
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("%") or not line.strip():
            continue
        fields = line.split(",")
        if all(float(f) == 0 for f in fields if f.strip() and ":" not in f):
            continue                                    # v5's all-zero row after the header
        out.append(int(float(fields[0])))
    return out


@pytest.mark.parametrize("name, rows, seconds, gaps, missing", [
    # 22,490 rows, counter 0,1,...,255,0,... +1 mod 256 every row: no gap; 22,490 / 250 Hz = 89.96 s
    ("OpenBCI-sampleData-1-blinks-jawClench-alpha.txt", 22490, 89.96, 0, 0),
    # one all-zero row after the header, then the same 22,490 rows as sampleData-1
    ("OpenBCI_GUI-v5-blinks-jawClench-alpha.txt", 22490, 89.96, 0, 0),
    # 30,646 whole rows (the 30,647th line is cut: 10 of 12 fields); six jumps of the counter,
    # 254->0, 239->0, 173->0, 204->0, 149->0, 146->0, i.e. steps of 2, 17, 83, 52, 107 and 110:
    # 1 + 16 + 82 + 51 + 106 + 109 = 365 samples lost; (30,646 + 365) / 250 Hz = 124.044 s
    ("OpenBCI_2016-02-13_focus.txt", 30646, 124.044, 6, 365),
])
def test_every_openbci_gui_generation_imports_with_its_true_duration_and_gaps(shared_data, tmp_path, name, rows,
                                                                             seconds, gaps, missing):
    src = shared_data / "openbci_gui" / name
    c = counter_column(src)
    if name.endswith("focus.txt"):
        c = c[:-1]                                       # the cut last line
    steps = np.diff(c) % 256
    assert len(c) == rows and int((steps != 1).sum()) == gaps and int((steps - 1).sum()) == missing
    r = import_file(src, tmp_path / "x.h5")
    assert (r.n_samples, r.gaps, r.missing) == (rows, gaps, missing)
    assert r.duration_s == pytest.approx(seconds)
    with open_recording(r.path) as rec:
        assert rec.fs == 250.0 and rec.n_channels == 8 and rec.n_samples == rows
        assert rec.duration_s == pytest.approx(seconds)
        assert len(rec.gaps()) == gaps and sum(g.missing for g in rec.gaps()) == missing
        assert all(not c.assigned for c in rec.montage.channels)        # no montage: unassigned
        assert rec.config["import"]["board"] == "Cyton"


def test_v5_file_drops_its_blank_row_and_reads_unix_ms(shared_data, tmp_path):
    src = shared_data / "openbci_gui" / "OpenBCI_GUI-v5-blinks-jawClench-alpha.txt"
    r = import_file(src, tmp_path / "v5.h5")
    assert any("all-zero row" in n for n in r.notes)
    with open_recording(r.path) as rec:
        assert rec.config["import"]["host_clock_unit"] == "ms" and rec.config["import"]["generation"] == "v5"
        ts = rec.aux()[:, rec.aux_names.index("Timestamp")]
        assert rec.aux_units[rec.aux_names.index("Timestamp")] == "ms"
        assert ts[0] == 1557936053329 and (ts[-1] - ts[0]) / 1000 == pytest.approx(89.96, abs=0.2)
        assert rec.data()[0, 0] == pytest.approx(61379.36)               # the first real sample


def test_2016_file_flags_its_railed_channels(shared_data, tmp_path):
    src = shared_data / "openbci_gui" / "OpenBCI_2016-02-13_focus.txt"
    r = import_file(src, tmp_path / "f.h5")
    lines = [ln for ln in src.read_text().splitlines() if ln.strip() and not ln.startswith("%")][:30646]
    raw = np.array([[float(f) for f in ln.split(",")[1:9]] for ln in lines])
    share = (np.abs(raw) >= 187500 * 0.999).mean(axis=0)           # scipy-free, independent count
    expected = {f"EXG Channel {i}": s for i, s in enumerate(share) if s >= 0.01}
    assert set(r.railed) == set(expected) and "EXG Channel 2" in r.railed
    for k, v in expected.items():
        assert r.railed[k] == pytest.approx(v)
    assert any("cut short" in n for n in r.notes)
    with open_recording(r.path) as rec:
        assert set(rec.config["import"]["railed"]) == set(expected)


# --- BrainFlow-era GUI and BrainFlow CSV ----------------------------------------------------------------------
def test_brainflow_era_gui_file(tmp_path, capsys):
    out = tmp_path / "cyton.h5"
    assert main(["import", str(OPENBCI), "-o", str(out), *CYTON]) == 0
    assert "1 gaps" in capsys.readouterr().out
    rows = np.loadtxt(OPENBCI, delimiter=",", comments="%", skiprows=5, usecols=range(24))
    with open_recording(out) as rec:
        assert rec.fs == 250.0 and rec.n_channels == 8
        assert rec.attrs["device_model"] == "OpenBCI Cyton (OpenBCI GUI file, BoardCytonSerial)"
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
        assert rec.config["import"]["host_clock_unit"] == "s" and rec.config["import"]["generation"] == "brainflow"


def _gui_file(path: Path, board: str, n_exg: int, fs: float, counter, values=None) -> Path:
    """A BrainFlow-era GUI file with the given counter column (values: (n, n_exg) µV)."""
    n = len(counter)
    values = np.arange(n * n_exg, dtype=float).reshape(n, n_exg) if values is None else values
    names = ["Sample Index"] + [f"EXG Channel {i}" for i in range(n_exg)] + \
        [f"Accel Channel {i}" for i in range(3)] + ["Timestamp", "Marker Channel", "Timestamp (Formatted)"]
    lines = ["%OpenBCI Raw EXG Data", f"%Number of channels = {n_exg}", f"%Sample Rate = {fs:g} Hz",
             f"%Board = OpenBCI_GUI${board}", ", ".join(names)]
    for k in range(n):
        t = 1.7e9 + k / fs
        lines.append(", ".join([f"{counter[k]:.1f}"] + [f"{v:.6f}" for v in values[k]] + ["0.0"] * 3 +
                               [f"{t:.6f}", "0.0", "2026-11-30 15:00:00.000"]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_daisy_and_ganglion_gui_files(tmp_path):
    daisy = _gui_file(tmp_path / "daisy.txt", "BoardCytonSerialDaisy", 16, 125,
                      [(2 * k + 1) % 256 for k in range(300) if k != 200])    # one row lost
    r = import_file(daisy, tmp_path / "d.h5")
    assert (r.n_samples, r.gaps, r.missing, r.fs) == (299, 1, 1, 125.0) and len(r.channels) == 16
    gang = [0] + [1 + (k // 2) % 100 for k in range(400)]                     # fw 2: packet 0, then pairs
    del gang[101:105]                                                          # two packets lost
    r = import_file(_gui_file(tmp_path / "g.txt", "BoardGanglionNative", 4, 200, gang), tmp_path / "g.h5")
    assert (r.n_samples, r.gaps, r.missing) == (397, 1, 4) and len(r.channels) == 4


def test_duplicated_rows_are_left_out(tmp_path):
    counter = [5, 6, 7, 7, 8]
    values = np.array([[1.0], [2.0], [3.0], [3.0], [4.0]])
    r = import_file(_gui_file(tmp_path / "dup.txt", "BoardCytonSerial", 1, 250, counter, values), tmp_path / "d.h5")
    assert (r.n_samples, r.gaps) == (4, 0) and any("1 duplicated row" in n for n in r.notes)
    with open_recording(r.path) as rec:
        np.testing.assert_array_equal(rec.data()[:, 0], [1, 2, 3, 4])
        np.testing.assert_array_equal(rec.sample_index(), [5, 6, 7, 8])


def _wait(cond, timeout=20.0):
    """Wait for a condition of the real board (no fixed sleep: checked every 10 ms)."""
    tick = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if cond():
            return True
        tick.wait(0.01)
    return False


@pytest.mark.filterwarnings("ignore:pkg_resources is deprecated as an API")  # BrainFlow used directly, as a user would
def test_brainflow_csv_from_the_real_synthetic_board(tmp_path):
    bs = pytest.importorskip("brainflow.board_shim")
    from brainflow.data_filter import DataFilter
    board = bs.BoardShim(bs.BoardIds.SYNTHETIC_BOARD, bs.BrainFlowInputParams())
    board.prepare_session()
    try:
        board.start_stream()
        assert _wait(lambda: board.get_board_data_count() >= 100)
        board.insert_marker(3)
        assert _wait(lambda: board.get_board_data_count() >= 300)   # past a wrap of the counter
        board.stop_stream()
        data = board.get_board_data()
    finally:
        board.release_session()
    src = tmp_path / "synthetic.csv"
    DataFilter.write_file(data, str(src), "w")
    r = import_file(src, tmp_path / "s.h5")           # board guessed: 32 rows at 250 Hz
    n = data.shape[1]
    assert r.kind == "brainflow" and (r.n_samples, r.gaps, r.fs) == (n, 0, 250.0) and len(r.channels) == 16
    assert r.duration_s == pytest.approx(n / 250.0)
    with open_recording(r.path) as rec:
        assert rec.config["import"]["board_id"] == -1 and rec.config["import"]["board_guessed"] is True
        np.testing.assert_allclose(rec.data(), data[1:17].T, rtol=1e-6, atol=1e-5)   # µV as written (%.6f)
        assert [e.label for e in rec.events if e.kind == "marker"] == ["3"]
        assert rec.aux_names[rec.aux_names.index("Timestamp")] == "Timestamp"
    # the board can be named; a wrong one is one sentence
    r2 = import_file(src, tmp_path / "s2.h5", board="synthetic")
    assert r2.n_samples == n
    assert main(["import", str(src), "-o", str(tmp_path / "c.h5"), "--board", "cyton"]) == 2


# --- delimited text ------------------------------------------------------------------------------------------
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


def test_chunked_parse_equals_one_block(shared_data, tmp_path, monkeypatch):
    """Chunk borders (here every 1000 rows) change nothing, duplicates across a border included."""
    from emgmap.recordings import textread
    src = shared_data / "openbci_gui" / "OpenBCI_2016-02-13_focus.txt"
    whole = import_file(src, tmp_path / "a.h5")
    monkeypatch.setattr(textread, "CHUNK_ROWS", 1000)
    parts = import_file(src, tmp_path / "b.h5")
    with open_recording(whole.path) as a, open_recording(parts.path) as b:
        np.testing.assert_array_equal(a.data(), b.data())
        np.testing.assert_array_equal(a.sample_index(), b.sample_index())


@pytest.mark.parametrize("body, fragment", [
    ("1\t2\t3\t4\t5\n1\t2\t3\t4\n1\t2\t3\t4\t5\n", "line 9 has 4 columns, expected 5"),
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


def test_no_montage_imports_unassigned_with_a_note(tmp_path, capsys):
    out = tmp_path / "x.h5"
    assert main(["import", str(OPENBCI), "-o", str(out), "--channel", "2=Glute Med:right"]) == 0
    text = capsys.readouterr().out
    assert "7 channels unassigned" in text and f"emgmap montage assign {out}" in text
    with open_recording(out) as rec:
        assert [c.assigned for c in rec.montage.channels] == [False, True] + [False] * 6
        assert rec.montage.channels[1].muscle == "gmed"


@pytest.mark.parametrize("args, fragment", [
    (["--channel", "9=gmed:left"], "no EMG column '9'"),
    (["--channel", "1=gmed"], "must read NAME=muscle:side"),
    (["--channel", "1=psoas:left"], "unknown muscle 'psoas'"),
])
def test_bad_muscles_are_one_clear_line(tmp_path, capsys, args, fragment):
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


def test_counter_rule_period():
    assert COUNTERS[Board.GANGLION].period == 200 and CounterRule(256, 2).period == 128


@pytest.mark.bench   # run with: pytest -m bench
def test_bench_import_prints_the_table(capsys, tmp_path):
    from emgmap.bench.import_ import write_gui_file
    src = tmp_path / "g.txt"
    rows = write_gui_file(src, 20, 250)
    r = import_file(src, tmp_path / "g.h5")                     # the generated file is a valid GUI file
    assert (r.n_samples, r.gaps, r.missing) == (rows, 1, 3)     # its one drop-out of 3 packets (after row 1000)
    assert main(["bench", "import", "--seconds", "20", "--repeat", "1", "--dir", str(tmp_path)]) in (0, 1)
    out = capsys.readouterr().out
    lines = {ln.split("  ")[0]: ln for ln in out.splitlines()}
    assert "pandas.read_csv" in lines and "emgmap import (to HDF5)" in lines
    assert "emgmap / pandas" in out and "goal <= 2x" in out


def test_column_labels_name_their_muscles_through_the_synonym_table(tmp_path, capsys):
    src = tmp_path / "labelled.csv"
    rows = np.random.default_rng(0).normal(0, 50, (500, 3))
    src.write_text("L Glute Med,Right TFL,EMG 3\n" + "\n".join(",".join(f"{v:.3f}" for v in r) for r in rows) + "\n")
    r = import_file(src, tmp_path / "l.h5", fs=1000, unit="uV")
    assert r.unassigned == ["EMG 3"]
    with open_recording(r.path) as rec:
        assert [(c.muscle, c.side.value) for c in rec.montage.channels] == [("gmed", "left"), ("tfl", "right"),
                                                                              ("", "midline")]
        np.testing.assert_allclose(rec.data(), rows, atol=1e-3)
    assert main(["import", str(src), "-o", str(tmp_path / "b.h5"), "--board", "nosuchboard"]) == 2
    assert "--board 'nosuchboard' is not a BrainFlow board" in capsys.readouterr().err
    assert main(["import", str(src), "-o", str(tmp_path / "b.h5"), "--board", "cyton"]) == 2
    assert "is not a BrainFlow CSV file" in capsys.readouterr().err
