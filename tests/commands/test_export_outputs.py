"""Issue 18 items 1 and 8 for `emgmap export` (every format: CSV, BDF, BIDS, NWB): outputs
are checked before any work, never replace the recording, replace an existing file only
with --force, appear complete or not at all (a read-only, missing or full folder, a disk
that fills mid-write: nothing half-written, no participants.tsv row of a failed BIDS
export), and are owner-only (docs/outputs.md)."""
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from disksupport import fill

REPO = Path(__file__).resolve().parents[2]
FORMATS = ["csv", "bdf", "nwb", "bids"]


@pytest.fixture(autouse=True)
def _needs_libraries():
    for module in ("pyedflib", "pynwb", "mne_bids"):
        pytest.importorskip(module, reason="needs the research extra")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """5 s, 8 channels at 2000 Hz: every export of it is bigger than a small disk's free space."""
    from emgmap.cli import main
    path = tmp_path_factory.mktemp("rec") / "big.h5"
    assert main(["record", "--device", "sim:?channels=8&seed=1", "--fast", "--duration", "5", "--subject", "P002",
                 "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from emgmap.cli import main
    path = tmp_path_factory.mktemp("rec") / "small.h5"
    assert main(["record", "--device", "sim:?channels=2&seed=2", "--fast", "--duration", "0.5", "--subject",
                 "P001", "-o", str(path)]) == 0
    return path


def _out(folder: Path, fmt: str) -> Path:
    """The -o of an export into ``folder``: a prefix, a file or a BIDS root."""
    return folder / {"csv": "e", "bdf": "e", "nwb": "e.nwb", "bids": "ds"}[fmt]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_read_only_folder_is_refused_before_work(cli, big, readonly_dir, fmt):
    r = cli("export", big, "--to", fmt, "-o", _out(readonly_dir, fmt))
    assert r.returncode == 2 and r.stderr.startswith(f"emgmap: cannot write in folder {readonly_dir}")
    assert "\n" not in r.stderr.strip() and list(readonly_dir.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_folder_is_refused_before_work(cli, big, tmp_path, fmt):
    r = cli("export", big, "--to", fmt, "-o", _out(tmp_path / "missing", fmt))
    assert r.returncode == 2, r.stderr
    assert f"folder {tmp_path / 'missing'} does not exist" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("fmt, last", [("csv", "e_csv_emg.json"), ("bdf", "e_bdf_emg.json"), ("nwb", "e.nwb")])
def test_an_existing_file_needs_force_and_every_file_is_checked_first(cli, big, tmp_path, fmt, last):
    (tmp_path / last).write_text("keep me")
    r = cli("export", big, "--to", fmt, "-o", _out(tmp_path, fmt))
    assert r.returncode == 2 and f"{tmp_path / last} exists; choose another name, or add --force" in r.stderr
    assert _tree(tmp_path) == {last: b"keep me"}   # the other files were not written either
    r = cli("export", big, "--to", fmt, "-o", _out(tmp_path, fmt), "--force")
    assert r.returncode == 0, r.stderr
    written = [Path(line.removeprefix("wrote ")) for line in r.stdout.splitlines()]
    assert tmp_path / last in written and (tmp_path / last).read_bytes() != b"keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)   # no temporary left


def test_an_existing_bids_recording_needs_force(cli, big, tmp_path):
    root = tmp_path / "ds"
    assert cli("export", big, "--to", "bids", "-o", root).returncode == 0
    (bdf,) = root.rglob("*_emg.bdf")
    bdf.write_bytes(b"old")
    r = cli("export", big, "--to", "bids", "-o", root)
    assert r.returncode == 2 and "exists" in r.stderr and "--force" in r.stderr and bdf.read_bytes() == b"old"
    assert cli("export", big, "--to", "bids", "-o", root, "--force").returncode == 0
    assert bdf.read_bytes()[:8] == b"\xffBIOSEMI" and not list(root.glob(".emgmap-partial-*"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_file_is_owner_only(cli, big, tmp_path, fmt):
    r = cli("export", big, "--to", fmt, "-o", _out(tmp_path, fmt))
    assert r.returncode == 0, r.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and {str(p): oct(_mode(p)) for p in files} == {str(p): oct(0o600) for p in files}


@pytest.mark.parametrize("fmt, name", [("nwb", "r.nwb"), ("bdf", "r.bdf")])
def test_an_export_never_replaces_its_recording(cli, big, tmp_path, fmt, name):
    src = tmp_path / name   # a recording that happens to carry the export's name
    shutil.copy(big, src)
    before = src.read_bytes()
    for force in ([], ["--force"]):
        r = cli("export", src, "--to", fmt, "-o", tmp_path / "r.nwb" if fmt == "nwb" else tmp_path / "r", *force)
        assert r.returncode == 2 and "is also an input of this command" in r.stderr
    assert src.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_failed_bids_export_leaves_the_dataset_as_it_was(cli, big, small, tmp_path, monkeypatch):
    """mne-bids appends the subject to participants.tsv before emgmap's sidecars are written:
    a failure after that must not leave a participant without data."""
    import emgmap.recordings.bids as bids
    root = tmp_path / "ds"
    assert cli("export", small, "--to", "bids", "-o", root).returncode == 0
    before = _tree(root)

    def broken(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(bids, "_write_sidecars", broken)
    r = cli("export", big, "--to", "bids", "-o", root)
    assert r.returncode == 2 and "No space left on device" in r.stderr and "nothing of this export" in r.stderr
    assert _tree(root) == before and sorted(p.name for p in root.iterdir() if p.is_dir()) == ["sub-P001"]


def test_a_full_disk_is_refused_before_writing(cli, big, small_disk):
    folder, limit = small_disk
    if limit:
        pytest.skip("needs a real small filesystem (root mounts a tmpfs); the per-file limit is tested below")
    fill(folder)
    for fmt in FORMATS:
        r = cli("export", big, "--to", fmt, "-o", _out(folder, fmt))
        assert r.returncode == 2 and f"folder {folder} has 0.1 MB free but --output needs about" in r.stderr, fmt
    assert sorted(p.name for p in folder.iterdir()) == ["filler"]


FILLS_DURING = """
import json, resource, signal, sys
import emgmap.recordings.bids as bids
import emgmap.recordings.export as export
from emgmap.cli import main
export.check_space = bids.check_space = lambda *a, **k: None   # the disk fills after the check (another program)
limit, src, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if limit:   # no small filesystem: each file may grow to `limit` bytes, then a write fails (EFBIG)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
out = {}
for fmt, o in (("csv", "e"), ("bdf", "e"), ("nwb", "e.nwb"), ("bids", "ds")):
    code = main(["export", src, "--to", fmt, "-o", f"{folder}/{o}"])
    out[fmt] = code
print(json.dumps(out), flush=True)
"""


def test_a_disk_that_fills_during_export_leaves_nothing_half_written(cli, big, small, small_disk):
    folder, limit = small_disk
    assert cli("export", small, "--to", "bids", "-o", folder / "ds").returncode == 0   # a dataset already there
    fill(folder)
    before = _tree(folder)
    r = subprocess.run([sys.executable, "-c", FILLS_DURING, str(limit), str(big), str(folder)], capture_output=True,
                       text=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=300)
    assert r.returncode == 0, (r.returncode, r.stderr[-3000:])   # the NWB export crashed here (a segfault)
    assert json.loads(r.stdout) == dict.fromkeys(FORMATS, 2)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 4 and all("could not write" in line and "nothing" in line for line in lines), lines
    assert _tree(folder) == before   # no temporary file, no participants.tsv row for P002
