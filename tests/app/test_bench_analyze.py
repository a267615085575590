import pytest

from emgmap.cli import main


def _figures(out: str) -> tuple[float, float]:
    ratio = next(line for line in out.splitlines() if line.startswith("analysis / sosfiltfilt"))
    speedup = next(line for line in out.splitlines() if line.startswith("-j 2 speed-up over -j 1"))
    return float(ratio.split()[-1].rstrip("x")), float(speedup.split()[-1].rstrip("x"))


def test_bench_analyze_runs_on_a_short_recording(study_sessions, capsys):
    """The benchmark's code path in the default run (on a short file, figures not judged), so an
    API change in the study runner cannot break `emgmap bench analyze` unnoticed."""
    short = next((study_sessions / "visits").rglob("*.h5"))
    assert main(["bench", "analyze", "--file", str(short), "--repeats", "1", "--files", "2"]) == 0
    out = capsys.readouterr().out
    assert all(v > 0 for v in _figures(out)) and "targets:" in out


@pytest.mark.bench   # run with: pytest -m bench
def test_bench_analyze_prints_the_ratio_and_the_speed_up(capsys):
    assert main(["bench", "analyze", "--repeats", "1", "--files", "2"]) == 0
    out = capsys.readouterr().out
    assert all(v > 0 for v in _figures(out)) and "targets:" in out
