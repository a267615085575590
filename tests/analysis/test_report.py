"""The single-session report: matplotlib charts inline, self-contained, with its provenance."""
import re
import shutil

import h5py
import numpy as np

from emgmap.analysis import analyze_recording
from emgmap.analysis.report import render_html


def test_report_charts_are_inline_svg_and_it_says_how_its_numbers_were_made(clam, tmp_path):
    a = analyze_recording(clam)
    page = render_html(a, "t")
    body = page.split("</style>", 1)[1]   # the page style; each chart carries its own <style>
    svgs = re.findall(r"<svg role=\"img\" aria-label=\"([^\"]*)\"", body)
    # one left/right chart for the exercise, a ratio strip and a fatigue chart per set
    assert svgs.count("left and right activation") == 1 and svgs.count("median frequency, Hz") == 2
    assert sum(s.startswith("ratio ") for s in svgs) == 2
    assert "<script" not in page and "http" not in body and "xmlns" not in body and "<?xml" not in body
    assert "<h2>How these numbers were made</h2>" in page
    assert f"analysed with emgmap {a.provenance.emgmap_version}" in page
    assert page.count("MVC stored in the recording") == len(a.montage)
    assert "double threshold (Bonato et al. 1998)" in page


def test_report_of_a_recomputed_calibration_says_so(clam, tmp_path):
    nocal = tmp_path / "nocal.h5"
    shutil.copy(clam, nocal)
    with h5py.File(nocal, "r+") as f:
        f["calibration/mvc_uv"][...] = np.nan
    page = render_html(analyze_recording(nocal), "t")
    assert "MVC: recomputed from the recording&#x27;s MVC trials" in page
    assert page.count("MVC recomputed from 2 MVC trials in the recording") == 8
