"""Folders that refuse outputs: read-only, full (real filesystems when root can mount them)."""
import os
import subprocess

import pytest

from disksupport import SMALL_DISK_FREE


@pytest.fixture
def readonly_dir(tmp_path):
    """A read-only folder: a read-only tmpfs when root (root ignores permission bits), else 0555."""
    d = tmp_path / "ro"
    d.mkdir()
    if os.geteuid() == 0:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(d)], capture_output=True)
        if r.returncode:
            pytest.skip(f"cannot mount a read-only tmpfs: {r.stderr.decode().strip()}")
        yield d
        subprocess.run(["umount", str(d)], check=False)
    else:
        d.chmod(0o555)
        yield d
        d.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path):
    """(folder, file-size limit): a 1 MB tmpfs filled to ``SMALL_DISK_FREE`` bytes free when root
    can mount one (limit 0: the disk itself refuses, ENOSPC); else a plain folder and a limit
    for RLIMIT_FSIZE, which a subprocess sets on itself (EFBIG past it)."""
    d = tmp_path / "small"
    d.mkdir()
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(d)],
                                            capture_output=True).returncode == 0:
        yield d, 0
        subprocess.run(["umount", str(d)], check=False)
    else:
        yield d, SMALL_DISK_FREE
