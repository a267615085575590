"""The gait report page: findings first, one ensemble plot per muscle over its normative bands."""
from emgmap.analysis.gait import analyze_recording_gait
from emgmap.analysis.gait_report import normative_bands, render_gait_html, with_gait_section
from emgmap.recordings import open_recording

from gaitsim import gait_recording


def test_report_page_has_findings_first_and_one_svg_per_muscle(tmp_path):
    path, sim, truth = gait_recording(tmp_path / "g.h5", mode="run", seconds=30.0, seed=2,
                                      aux=("footswitch_L", "footswitch_R"))
    with open_recording(path) as rec:
        g = analyze_recording_gait(rec)
    page = render_gait_html(g, "gait", {"subject": "S1"})
    assert page.count("<svg") == 4                                   # gmed, gmax, tfl, bf
    findings = page.index("Findings")
    assert findings < page.index("<svg") and findings < page.index("Per muscle")
    assert "gmed: stance activation" in page and "burst starts" in page
    assert "<script" not in page and "src=" not in page and 'href="http' not in page  # self-contained
    assert with_gait_section("<html><body>x</body></html>", g).endswith("</body></html>")


def test_normative_bands_wrap_at_initial_contact():
    # running gmed: terminal swing -12 % through 28 %: split into [0, 28] and [88, 100]
    assert normative_bands("run", "gmed") == [(0.0, 28.0), (88.0, 100.0)]
    assert normative_bands("walk", "bf") == [(75.0, 100.0), (0.0, 8.0)]


def test_pdf_report_of_a_run_and_a_clear_refusal_for_a_session(tmp_path, cli):
    """`emgmap analyze RUN.h5 --report r.pdf`: A4 pages (findings and tables, then the ensembles);
    a recording without a walk/run asked for a PDF is told to use .html, and no file is left."""
    import re
    path, sim, truth = gait_recording(tmp_path / "run.h5", mode="run", seconds=25.0, seed=2, protocol=True,
                                      aux=("footswitch_L", "footswitch_R"))
    res = cli("analyze", path, "--report", tmp_path / "r.pdf")
    assert res.returncode == 0, res.stderr
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b", pdf)) == 2   # text page + 4 ensembles
    plain, _, _ = gait_recording(tmp_path / "plain.h5", mode="run", seconds=12.0, seed=2, aux=())
    res = cli("analyze", plain, "--report", tmp_path / "s.pdf")
    assert res.returncode != 0 and "a PDF report is written for walking/running recordings only; write this " \
        "session's report as .html" in res.stderr
    assert not list(tmp_path.glob("s.pdf*"))
