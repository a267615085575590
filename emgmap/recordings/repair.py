"""Clean copies of interrupted recordings (``emgmap repair``).

A recorder killed mid-session leaves its file flagged "open for writing" by
SWMR mode. HDF5's ``h5clear -s`` would clear that flag in place (Debian
hdf5-tools); here the same result comes from h5py alone and without touching
the original: everything up to the last flush is copied into a new file, the
/emg and /events datasets are cut to the rows present in all of their columns,
and the file is finalised like a clean stop, with ``repaired_utc`` added.
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np

from ..outputs import check_output, check_space, partial_path, publish_unique
from ..progress import Progress
from .format import RecordingError
from .reader import Recording
from .writer import _reason, abandon, utc_now


def repair(path: str | os.PathLike, output: str | os.PathLike | None = None, *,
           progress: Progress | None = None) -> tuple[Path, int, float]:
    """Copy ``path`` to ``output`` (default ``<stem>-repaired.h5``; an existing file is never
    replaced, a new name is picked). The copy is written under a temporary name and renamed
    when complete, owner-only (docs/outputs.md). ``progress(bytes copied, bytes)`` as the
    groups are copied. Returns (output path, samples, duration_s)."""
    src = Path(path)
    target = check_output(output if output is not None else src.with_name(f"{src.stem}-repaired{src.suffix}"),
                          what="-o/--output", inputs=[src], rename=True)
    with Recording(src) as rec:  # validates format and version; opens crashed files with swmr=True
        n, n_env = rec.n_samples, rec.envelope()[0].shape[0]
        n_ev, duration = len(rec.events), rec.duration_s
        check_space(target.absolute().parent, _size(src), "-o/--output")
        f = rec._f
        tmp = partial_path(target)
        try:
            g = h5py.File(tmp, "w", libver="latest")
            try:
                sizes = {name: _stored(f[name]) for name in f}
                done = 0
                for name, size in sizes.items():
                    f.copy(f[name], g, name=name)
                    done += size
                    if progress is not None:
                        progress(done, sum(sizes.values()))
                g.attrs.update(dict(f.attrs))
                for key in ("data", "timestamps", "sample_index"):
                    g[f"emg/{key}"].resize(n, axis=0)
                if "aux" in g:
                    g["aux/data"].resize(n, axis=0)
                for key in ("data", "timestamps"):
                    g[f"envelope/{key}"].resize(n_env, axis=0)
                for key in ("onset_s", "duration_s", "kind", "label", "channel"):
                    g[f"events/{key}"].resize(n_ev, axis=0)
                g.attrs["n_samples"] = np.int64(n)
                g.attrs["duration_s"] = float(duration)
                g.attrs["repaired_utc"] = utc_now()
            except BaseException:
                abandon(g)  # never another HDF5 write after a failed one (HDF5 crashes on that)
                raise
            g.close()
            out = publish_unique(tmp, target)
        except (OSError, ValueError) as e:
            raise RecordingError(f"cannot write the repaired copy {target} ({_reason(e)}); nothing was kept, "
                                 "free some space or give -o in another folder") from None
        finally:
            tmp.unlink(missing_ok=True)
    return out, n, duration


def _stored(obj) -> int:
    """Bytes stored in the datasets of an HDF5 group (or one dataset)."""
    if isinstance(obj, h5py.Dataset):
        return obj.id.get_storage_size()
    sizes: list[int] = []
    obj.visititems(lambda name, o: sizes.append(o.id.get_storage_size()) if isinstance(o, h5py.Dataset) else None)
    return sum(sizes)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
