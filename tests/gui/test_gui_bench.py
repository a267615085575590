import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench   # run with: pytest -m bench

ROOT = Path(__file__).resolve().parents[2]


def test_bench_gui_runs_and_prints_its_figures(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", EMGMAP_CONFIG_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-m", "emgmap", "bench", "gui", "--seconds", "0.5", "--warmup", "0.5",
                        "--channels", "4", "--fs", "500", "--no-peer"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header = next(line for line in lines if line.startswith("method"))
    assert "fps" in header and "GUI ms/frame" in header and "lat p99 ms" in header
    rows = [line.split() for line in lines if line.startswith("minmax")]
    assert [r[1] for r in rows] == ["1366x768", "1920x1080"]   # both screens by default
    assert all(float(r[2]) > 0 and float(r[7]) >= 0 for r in rows)   # frames were drawn, latency measured
    assert "targets" in lines[-1]
