import pytest

from emgmap.cli import main

pytestmark = pytest.mark.bench   # run with: pytest -m bench


def test_bench_analyze_prints_the_ratio_and_the_speed_up(capsys):
    assert main(["bench", "analyze", "--repeats", "1", "--files", "2"]) == 0
    out = capsys.readouterr().out
    ratio = next(line for line in out.splitlines() if line.startswith("analysis / sosfiltfilt"))
    speedup = next(line for line in out.splitlines() if line.startswith("-j 2 speed-up over -j 1"))
    assert float(ratio.split()[-1].rstrip("x")) > 0 and float(speedup.split()[-1].rstrip("x")) > 0
    assert "targets:" in out
