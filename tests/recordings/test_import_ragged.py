"""A ragged tail (some columns end before the others, as in the UCI gait files) is left out and
said; a short row anywhere else is still an error naming its line."""
import numpy as np
import pytest

from emgmap.recordings import open_recording, textread
from emgmap.recordings.format import RecordingError
from emgmap.recordings.importers import import_file

HEADER = ("Channel 1: 'RF', 10 values, engineering units: mV, no filters.\n"
          "Channel 2: 'FX', 1 values, engineering units: deg, extrapolated from 50 to 1000 samples per second.\n\n")


def write(tmp_path, rows):
    p = tmp_path / "x.txt"
    p.write_text(HEADER + "".join(rows))
    return p


@pytest.mark.parametrize("chunk", [textread.CHUNK_ROWS, 3])      # 3: the tail spans chunks
def test_ragged_tail_is_left_out_and_said(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(textread, "CHUNK_ROWS", chunk)
    rows = [f"{k / 1000:.4f}\t{k}.5\n" for k in range(10)] + ["\t9.5\n"] * 5 + ["\t\n"]
    r = import_file(write(tmp_path, rows), tmp_path / "x.h5")      # fs from "... to 1000 samples per second"
    assert r.fs == 1000 and r.n_samples == 10 and r.aux == ["FX"] and not r.notes
    assert r.left_out == "left out the last 6 rows of x.txt: RF ends after row 10, only FX goes on"
    with open_recording(r.path) as rec:
        np.testing.assert_allclose(rec.data()[:, 0], np.arange(10), atol=1e-3)         # mV -> µV
        np.testing.assert_array_equal(rec.aux()[:, 0], np.arange(10) + 0.5)


def test_a_short_row_before_the_end_is_still_an_error(tmp_path):
    rows = [f"{k}\t{k}\n" for k in range(5)] + ["\t9.5\n"] + [f"{k}\t{k}\n" for k in range(5)]
    with pytest.raises(RecordingError, match=r"x.txt line 9 has 1 columns, expected 2"):
        import_file(write(tmp_path, rows), tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_one_cut_last_row_keeps_its_note(tmp_path):
    rows = [f"{k}\t{k}\n" for k in range(5)] + ["\t\n"]
    r = import_file(write(tmp_path, rows), tmp_path / "x.h5")
    assert r.n_samples == 5 and r.left_out == "" and any("cut short" in n for n in r.notes)
