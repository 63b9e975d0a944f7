"""Writing cache, state and settings files so that no reader ever sees half of one.

Every file is written beside its final path under a temporary name unique to the process and
the call (``<name>.<pid>.<random>.tmp``: two processes, or two threads, writing the same
file never share a temporary), flushed and fsynced, then renamed over the final path
(``os.replace``: atomic on POSIX). A write that fails removes its temporary.

    atomic_write(path, text_or_bytes, perms=0o600)      # a whole file at once
    with atomic_open(path, "wb") as fh: ...              # streamed (large pickles)
    with atomic_path(path) as tmp: tool.save(str(tmp))   # a file another program writes
    dump_pickle(path, obj) / load_pickle(path)           # pickles; None when unreadable
    save_versioned(path, FORMAT, obj) / load_versioned(path, FORMAT)

``fsync=False`` skips the flush to disk where a torn file only costs a cache miss and the
writes are many: the facts cache writes one file per parsed translation unit (~800 per
version; fsync measured ~4.8 ms a file on this project's 2-core machine, against ~0.3 ms
without). Readers of every cache here treat an unreadable file as absent.

Standard library only: the CLI's no-op fast path (``ootkg.fastpath``) imports the run state,
which writes through here.
"""

from __future__ import annotations

import os
import pickle
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# what reading a pickle written by another version of the code (or cut short) can raise
UNREADABLE = (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError, IndexError)


def temp_path(path: Path) -> Path:
    """A temporary name beside ``path``, unique to this process and call."""
    return path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, fsync: bool = True) -> Iterator[Path]:
    """A temporary path for the caller (or a program it runs) to write; renamed over ``path``
    when the block ends without an exception, removed otherwise."""
    path = Path(path)
    tmp = temp_path(path)
    try:
        yield tmp
        if fsync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "wb",
    *,
    perms: int = 0o666,
    fsync: bool = True,
    encoding: str | None = None,
) -> Iterator[IO[Any]]:
    """A new file opened for writing (``mode`` "w" or "wb"), created with ``perms`` (less the
    umask); it replaces ``path`` when the block ends without an exception."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes a whole file: mode 'w' or 'wb', not {mode!r}")
    path = Path(path)
    tmp = temp_path(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, perms)
    try:
        with os.fdopen(fd, mode, encoding=encoding if mode == "w" else None) as fh:
            yield fh
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, perms: int = 0o666, fsync: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically."""
    with atomic_open(path, "wb", perms=perms, fsync=fsync) as fh:
        fh.write(data.encode() if isinstance(data, str) else data)


def dump_pickle(path: str | os.PathLike[str], obj: Any, *, fsync: bool = True) -> None:
    """Pickle ``obj`` (highest protocol) to ``path`` atomically, streamed."""
    with atomic_open(path, "wb", fsync=fsync) as fh:
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load_pickle(path: str | os.PathLike[str], default: Any = None) -> Any:
    """What ``path`` holds, or ``default`` when it is missing or unreadable (cut short,
    written by code whose classes are gone)."""
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except UNREADABLE:
        return default


def save_versioned(path: str | os.PathLike[str], version: object, obj: Any, *, fsync: bool = True) -> None:
    """``obj`` pickled with the format ``version`` its reader must expect."""
    dump_pickle(path, (version, obj), fsync=fsync)


def load_versioned(path: str | os.PathLike[str], version: object, default: Any = None) -> Any:
    """What ``save_versioned`` wrote under ``version``; ``default`` when the file is missing,
    unreadable or of another version."""
    got = load_pickle(path)
    if isinstance(got, tuple) and len(got) == 2 and got[0] == version:
        return got[1]
    return default
