"""Three reassessments of one simulated patient whose TFL-dominant clamshell is corrected:
the history, the last-visit comparison, the progress report (PDF and HTML) and the export."""
import json
import stat

import pytest

from emgmap.app.patients import PatientStore, compare_with_last_visit

from patientsupport import VISITS, emgmap


def gmed_tfl(visit: dict) -> dict[str, dict]:
    return {i["side"]: i for i in visit["indices"] if i["measure"] == "ratio" and i["name"] == "gmed:tfl"}


def test_history_json_shows_gmed_tfl_rising_from_red_to_green(three_visits, monkeypatch):
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))
    rc, out = emgmap("history", "P01", "--json")
    doc = json.loads(out)
    assert rc == 0 and set(doc) == {"patient", "visits"} and doc["patient"]["pseudonym"] == "P01"
    assert doc["patient"]["sport"] == "football" and doc["patient"]["affected_side"] == "left"
    visits = doc["visits"]
    assert len(visits) == 3 and all(v["protocol"] == "clamshell" for v in visits)
    for v in visits:
        assert set(v) == {"date", "protocol", "indices"}
        for i in v["indices"]:
            assert set(i) == {"measure", "name", "side", "value", "unit", "zone"}
    for side in ("left", "right"):
        values = [gmed_tfl(v)[side]["value"] for v in visits]
        zones = [gmed_tfl(v)[side]["zone"] for v in visits]
        assert values[0] < values[1] < values[2], (side, values)
        assert zones[0] == "red" and zones[2] == "green", (side, zones)
        assert values[0] < 1.9 * 0.8 and 1.9 <= values[2] <= 4.0        # the protocol's expected range
    # the text view says the same
    rc, out = emgmap("history", "P01")
    assert out.count("gmed:tfl left") == 3 and "[red]" in out and "[green]" in out
    assert all(note in out for _, _, note in VISITS)


def test_last_visit_comparison_gives_then_now_change_and_zone_change(three_visits, monkeypatch):
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))
    with PatientStore() as st:
        visits = st.visits("P01")
        assert compare_with_last_visit(st, visits[0].id) and \
            all(c.then is None and c.change is None for c in compare_with_last_visit(st, visits[0].id))
        changes = {(c.measure, c.name, c.side): c for c in compare_with_last_visit(st, visits[2].id)}
        history = st.history("P01")
    second = {i.key[1:]: i for i in history.visits[1].indices}
    third = {i.key[1:]: i for i in history.visits[2].indices}
    for side in ("left", "right"):
        c = changes[("ratio", "gmed:tfl", side)]
        assert c.then == second[("ratio", "gmed:tfl", side)].value and c.now == third[("ratio", "gmed:tfl", side)].value
        assert c.change == pytest.approx(c.now - c.then) and c.change > 0
        assert c.zone_now == "green" and c.zone_change == ("better" if c.zone_then != "green" else "")
    assert changes[("ratio", "gmed:tfl", "left")].unit == "ratio"


def test_progress_report_pdf_holds_the_values(three_visits, monkeypatch, tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf (test extra) extracts the PDF's text")
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))
    pdf, page = tmp_path / "h.pdf", tmp_path / "h.html"
    rc, _ = emgmap("history", "P01", "--pdf", pdf, "--html", page)
    assert rc == 0 and pdf.read_bytes().startswith(b"%PDF")
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1                               # one exercise, one page
    text = reader.pages[0].extract_text()
    with PatientStore() as st:
        visits = st.history("P01").visits
    first = {i.side: i.value for i in visits[0].indices if i.name == "gmed:tfl"}
    last = {i.side: i.value for i in visits[-1].indices if i.name == "gmed:tfl"}
    assert "Progress: P01" in text and "clamshell" in text
    for side in ("left", "right"):
        assert f"{first[side]:.2f}" in text and f"{last[side]:.2f}" in text
        assert f"{last[side] - first[side]:+.2f}" in text
    assert "red → green" in text
    assert all(note in text for _, _, note in VISITS)
    html = page.read_text(encoding="utf-8")
    assert f"{last['left']:.2f}" in html and "<svg" in html and VISITS[1][2] in html


def test_export_is_a_hand_over_without_personal_data(three_visits, monkeypatch, tmp_path):
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(three_visits))
    emgmap("patients", "edit", "P01", "--display-name", "Anna B", "--birth-year", "1990")
    rc, out = emgmap("patients", "export", "P01", tmp_path / "handover")
    assert rc == 0
    out_dir = tmp_path / "handover" / "P01"
    doc = json.loads((out_dir / "history.json").read_text())
    assert "display_name" not in doc["patient"] and "birth_year" not in doc["patient"]
    assert "Anna" not in (out_dir / "history.json").read_text() + (out_dir / "results.csv").read_text()
    recs = sorted((out_dir / "recordings").iterdir())
    assert len(recs) == 3 and all(stat.S_IMODE(r.stat().st_mode) == 0o600 for r in recs)
    lines = (out_dir / "results.csv").read_text().splitlines()
    assert lines[0] == "file,subject,date,exercise,set,side,measure,name,rep,value,unit,normalization,zone," \
                       "expected_low,expected_high"
    assert sum(",ratio,gmed:tfl," in line for line in lines) == 6    # 3 visits x 2 sides
    rc, _ = emgmap("patients", "export", "P01", tmp_path / "handover")
    assert rc == 2                                              # never over an existing hand-over
    rc, _ = emgmap("patients", "export", "P01", tmp_path / "personal", "--personal")
    assert json.loads((tmp_path / "personal" / "P01" / "history.json").read_text())["patient"][
        "display_name"] == "Anna B"


def test_list_show_and_visit_notes_from_the_command_line(three_visits, monkeypatch, tmp_path):
    import shutil
    shutil.copytree(three_visits, tmp_path / "data")
    monkeypatch.setenv("EMGMAP_DATA_DIR", str(tmp_path / "data"))
    rc, out = emgmap("patients", "list")
    assert rc == 0 and out.splitlines()[1].split()[:2] == ["P01", "3"]
    rc, out = emgmap("patients", "list", "nobody")
    assert rc == 0 and "no patients matching 'nobody'" in out
    with PatientStore() as st:
        second = st.visits("P01")[1].id
    rc, _ = emgmap("patients", "edit", "P01", "--visit-note", second, "side planks added")
    assert rc == 0
    rc, out = emgmap("patients", "show", "P01")
    assert rc == 0 and f"visit {second}" in out and "note: side planks added" in out and "[missing" not in out
    assert emgmap("patients", "edit", "P01", "--visit-note", "999", "x")[0] == 2
    assert emgmap("history", "P99")[0] == 2
