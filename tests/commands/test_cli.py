import subprocess
import sys

from emgmap import __version__
from emgmap.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "emgmap", *args], capture_output=True, text=True)


def test_version():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"emgmap {__version__}"


def test_check_on_the_simulator_prints_a_row_per_channel(capsys):
    assert main(["check", "--device", "sim:?fast=1&mains_uv=2", "--seconds", "3"]) == 0   # little mains
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("gmed_", "gmax_", "tfl_", "bf_"))]
    assert len(rows) == 8
    assert rows[0].split()[:3] == ["gmed_L", "gmed", "left"]
    assert out.strip().endswith("healthy")


def test_check_reports_unhealthy_streams(capsys):
    assert main(["check", "--device", "sim:?fast=1&drop_rate=0.3&seed=1", "--seconds", "3"]) == 1
    assert "unhealthy: " in capsys.readouterr().out
    assert main(["check", "--device", "sim:?fast=1&saturate_at=0.5", "--seconds", "2"]) == 1
    assert "channel gmed_L is railed" in capsys.readouterr().out
    assert main(["check", "--device", "sim:?fast=1&disconnect_at=1", "--seconds", "3"]) == 1
    assert "unhealthy: the simulator was told to disconnect" in capsys.readouterr().out


def test_bad_device_is_one_line_without_traceback(cli):
    r = cli("check", "--device", "usb:/dev/x", "--seconds", "1")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "valid forms" in r.stderr


def test_devices_lists_boards_and_scenarios(cli):
    r = cli("devices")
    assert r.returncode == 0
    assert "Serial ports:" in r.stdout and "cyton" in r.stdout and "tfl_dominant_clam" in r.stdout
