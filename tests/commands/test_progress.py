"""Issue 18 conventions: long jobs (import, export, repair, analyze of many files, session
--fast) draw a progress bar on stderr when it is a terminal (a real pseudo-terminal here),
and print nothing when it is not (a pipe, a log)."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from terminal import run_on_terminal

REPO = Path(__file__).resolve().parents[2]
SHORT = REPO / "tests" / "app" / "clamshell_short.toml"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A delimited text file to import and a folder with two recordings to analyse."""
    from emgmap.cli import main
    d = tmp_path_factory.mktemp("progress")
    with open(d / "emg.txt", "w") as fh:
        fh.write("# fs = 1000\n")
        np.savetxt(fh, np.random.default_rng(0).normal(size=(5000, 2)), fmt="%.3f", delimiter=",")
    (d / "many").mkdir()
    for k in (1, 2):
        assert main(["record", "--device", f"sim:?channels=2&seed={k}", "--fast", "--duration", "1",
                     "-o", str(d / "many" / f"r{k}.h5")]) == 0
    return d


def _commands(d: Path) -> dict[str, list[str]]:
    """Each long job -> its arguments, writing into ``d / out``."""
    o = d / "out"
    return {"reading": ["import", d / "emg.txt", "-o", o / "i.h5", "--unit", "uV", "--channel", "1=gmed:left",
                        "--channel", "2=gmed:right"],
            "exporting": ["export", d / "many" / "r1.h5", "--to", "csv", "-o", o / "e"],
            "repairing": ["repair", d / "many" / "r1.h5", "-o", o / "r.h5"],
            "analysing": ["analyze", d / "many", "-j", "1", "--no-cache"],
            "session": ["session", "--protocol", SHORT, "--fast", "-o", o / "s.h5", "--subject", "P001"]}


def test_no_progress_when_stderr_is_not_a_terminal(cli, work):
    shutil.rmtree(work / "out", ignore_errors=True)
    (work / "out").mkdir()
    for desc, argv in _commands(work).items():
        r = cli(*argv)
        assert r.returncode == 0, (desc, r.stderr)
        assert "\r" not in r.stderr and "%|" not in r.stderr and f"{desc}:" not in r.stderr, (desc, r.stderr)


RUN_ALL = """
import sys
from emgmap.cli import main
for argv in eval(sys.argv[1]):
    code = main([str(a) for a in argv])
    print("exit", argv[0], code, flush=True)
"""


def test_a_terminal_gets_a_bar_for_every_long_job(work, tmp_path):
    d = tmp_path / "w"
    shutil.copytree(work, d, ignore=shutil.ignore_patterns("out"))
    (d / "out").mkdir()
    jobs = _commands(d)
    rc, shown, out = run_on_terminal(["-c", RUN_ALL, repr([[str(a) for a in v] for v in jobs.values()])])
    assert rc == 0, out
    assert [line for line in out.splitlines() if line.startswith("exit ")] == \
        [f"exit {argv[0]} 0" for argv in jobs.values()], out
    for desc in jobs:   # tqdm: "<desc>:  40%|████      | 2/5 [...]", cleared when done (leave=False)
        assert f"{desc}" in shown and "%|" in shown.split(desc, 1)[1].split("\n", 1)[0], (desc, shown[-2000:])


def test_a_terminal_that_reports_no_size_still_gets_a_bar():
    """Some terminals (a fresh pty, an editor's shell) report 0 columns; tqdm then drew nothing."""
    code = "from emgmap.progress import bar\nwith bar('copying', 'B') as p:\n    p(5, 10)\n"
    rc, shown, _ = run_on_terminal(["-c", code], size=None, timeout=60)
    assert rc == 0
    assert "copying:" in shown and "%|" in shown, shown
