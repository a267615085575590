"""A small disk for output tests (the fixture: conftest.small_disk)."""
import os
import shutil

#: what a small disk has left for an export (less than any export of the `big` recording needs)
SMALL_DISK_FREE = 150_000


def fill(folder, leave: int = SMALL_DISK_FREE) -> None:
    """Fill the small tmpfs at ``folder`` until ``leave`` bytes are free (nothing for a plain
    folder: that one is limited per file, never filled)."""
    if not os.path.ismount(folder):
        return
    free = shutil.disk_usage(folder).free
    with open(os.path.join(folder, "filler"), "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
