import pytest

from emgmap.cli import main

pytestmark = pytest.mark.bench   # run with: pytest -m bench


def test_bench_dsp_prints_medians_and_ratios(capsys):
    assert main(["bench", "dsp", "--seconds", "0.2", "--repeats", "1", "--blocks", "10,200", "--channels", "4",
                 "--startup-runs", "1"]) == 0
    out = capsys.readouterr().out
    rows = [line.split() for line in out.splitlines() if line.split() and line.split()[0] in ("10", "200")]
    assert [r[0] for r in rows] == ["10", "200"]
    assert all(r[4].endswith("x") and float(r[4][:-1]) > 0 for r in rows)   # scipy/emgmap ratio
    assert "warm numba cache" in out and "targets:" in out
