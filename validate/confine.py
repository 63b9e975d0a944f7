"""Confine a worker process to a few read-only paths, before it reads its first request.

The include gate (``validate.sandbox``) is the first wall; this is the second, and the one
that holds when the first has a hole: the operating system decides which files a compile
worker can open. Two mechanisms, applied together where the kernel has both:

- **userns**: a new user, mount, network and IPC namespace whose root is an empty
  read-only tmpfs holding read-only bind mounts of the allowed paths only. Nothing else
  exists for the process (no ``/proc``, no home, no working directory, no ``.env``), so
  ``__has_include`` or ``#pragma GCC dependency`` cannot even learn whether a file outside
  exists; there is no network. Capabilities are dropped afterwards.
- **landlock** (Linux 5.13+): read-only access beneath the allowed paths, no writes
  anywhere else; on ABI 4+ no TCP bind/connect, on ABI 6+ no signals or abstract sockets
  outside the sandbox.

``OOTKG_SANDBOX`` chooses: ``auto`` (default: every mechanism the kernel has),
``landlock``, ``userns``, or ``none`` (behave as on a kernel with neither: the service
then refuses to start without ``--unsafe-no-sandbox``; meant for trying that path).
The syscall numbers are those of x86_64 and aarch64 (Landlock's are shared by all
architectures).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import sys
from pathlib import Path
from typing import Any

ENV = "OOTKG_SANDBOX"
MODES = ("auto", "landlock", "userns", "none")

_SYS_LANDLOCK_CREATE_RULESET = 444
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(platform.machine())
_PR_SET_NO_NEW_PRIVS = 38

_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_MS_NOATIME, _MS_NODIRATIME, _MS_RELATIME = 1024, 2048, 1 << 21
_ST_RELATIME = 4096

# landlock access rights (include/uapi/linux/landlock.h)
_FS_READ_FILE, _FS_READ_DIR, _FS_WRITE_FILE = 1 << 2, 1 << 3, 1 << 1
_FS_BITS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}  # how many fs rights each ABI knows


class SandboxError(RuntimeError):
    """Confinement was required and could not be applied."""


class _Unshared(Exception):
    """A failure after unshare(): the process is in a half-built namespace."""


def mode() -> str:
    m = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if m not in MODES:
        raise SandboxError(f"{ENV}={m!r} is not one of {', '.join(MODES)}")
    return m


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def _err(what: str) -> OSError:
    e = ctypes.get_errno()
    return OSError(e, f"{what}: {os.strerror(e)}")


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none)."""
    if sys.platform != "linux":
        return 0
    libc = _libc()
    v = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return int(v) if v > 0 else 0


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("fd", ctypes.c_int32)]


def _landlock(read: list[str], read_write: list[str]) -> int:
    abi = landlock_abi()
    if abi <= 0:
        raise OSError(errno.ENOSYS, "the kernel has no Landlock")
    libc = _libc()
    fs_all = (1 << _FS_BITS_BY_ABI.get(abi, 16)) - 1
    attr = _RulesetAttr(fs_all, 3 if abi >= 4 else 0, 3 if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    fd = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if fd < 0:
        raise _err("landlock_create_ruleset")
    try:
        for paths, rights in (
            (read, _FS_READ_FILE | _FS_READ_DIR),
            (read_write, _FS_READ_FILE | _FS_READ_DIR | _FS_WRITE_FILE),
        ):
            for p in paths:
                try:
                    pfd = os.open(p, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights if os.path.isdir(p) else rights & ~_FS_READ_DIR
                    rule = _PathBeneath(allowed, pfd)
                    if (
                        libc.syscall(
                            _SYS_LANDLOCK_ADD_RULE,
                            ctypes.c_int(fd),
                            ctypes.c_int(1),
                            ctypes.byref(rule),
                            ctypes.c_uint32(0),
                        )
                        != 0
                    ):
                        raise _err(f"landlock_add_rule {p}")
                finally:
                    os.close(pfd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise _err("prctl(NO_NEW_PRIVS)")
        if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(fd), ctypes.c_uint32(0)) != 0:
            raise _err("landlock_restrict_self")
    finally:
        os.close(fd)
    return abi


def _mount(
    libc: ctypes.CDLL, src: str | None, dst: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    if (
        libc.mount(
            src.encode() if src else None,
            dst.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        )
        != 0
    ):
        raise _err(f"mount {src or ''} -> {dst}")


def _locked_flags(path: str) -> int:
    """The mount flags of ``path``'s mount that a user namespace may not clear."""
    f = os.statvfs(path).f_flag
    out = f & (_MS_NOSUID | _MS_NODEV | _MS_NOEXEC | _MS_NOATIME | _MS_NODIRATIME)
    return out | (_MS_RELATIME if f & _ST_RELATIME else 0)


def _userns(read: list[str], read_write: list[str]) -> None:
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    base = next((d for d in ("/tmp", "/var/tmp", "/mnt") if os.path.isdir(d)), None)
    if base is None:
        raise OSError(errno.ENOENT, "no directory to mount the sandbox root on")
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWIPC) != 0:
        raise _err("unshare")
    try:
        _build_root(libc, base, read, read_write, uid, gid)
    except OSError as e:
        raise _Unshared(str(e)) from e


def _build_root(libc: ctypes.CDLL, base: str, read: list[str], read_write: list[str], uid: int, gid: int) -> None:
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"{gid} {gid} 1")
    # the sources, opened (in this namespace) before their paths disappear under the new root
    sources = []
    for p in [*read, *read_write]:
        try:
            sources.append((p, os.open(p, os.O_PATH | os.O_CLOEXEC), _locked_flags(p), p in read_write))
        except OSError:
            continue
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    _mount(libc, "tmpfs", base, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=0755")
    for p, fd, locked, writable in sources:
        dst = base + p
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(dst, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            open(dst, "a").close()
        _mount(libc, f"/proc/self/fd/{fd}", dst, None, _MS_BIND | _MS_REC)
        flags = _MS_REMOUNT | _MS_BIND | _MS_NOSUID | locked | (0 if writable else _MS_RDONLY)
        if not p.startswith("/dev/"):
            flags |= _MS_NODEV
        _mount(libc, None, dst, None, flags)
        os.close(fd)
    _mount(libc, None, base, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=1m,mode=0755")
    os.chroot(base)
    os.chdir("/")
    _drop_capabilities(libc)


def _drop_capabilities(libc: ctypes.CDLL) -> None:
    """No capabilities left in the namespace (nothing here could use them, and now cannot)."""
    if _SYS_CAPSET is None:
        return

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    data = (ctypes.c_uint32 * 6)()
    if libc.syscall(_SYS_CAPSET, ctypes.byref(Header(0x20080522, 0)), data) != 0:
        raise _err("capset")


def confine(
    read: list[str | Path],
    read_write: list[str | Path] = (),  # type: ignore[assignment]
    *,
    which: str | None = None,
) -> tuple[list[str], list[str]]:
    """Confine this process; returns (mechanisms applied, why the others were not).

    Call it while the process is single-threaded (a user namespace requires it). Paths are
    resolved first; missing ones are skipped."""
    which = which or mode()
    rw = _outermost(str(Path(p).resolve()) for p in read_write if Path(p).exists())
    r = [
        p
        for p in _outermost(str(Path(p).resolve()) for p in read if Path(p).exists())
        if not any(_under(p, w) for w in rw)
    ]
    applied: list[str] = []
    notes: list[str] = []
    if which == "none":
        return [], [f"{ENV}=none"]
    if sys.platform != "linux":
        return [], [f"{sys.platform} has neither Landlock nor Linux namespaces"]
    if which in ("auto", "userns"):
        try:
            _userns(r, rw)
            applied.append("userns")
        except _Unshared as e:
            # half-built: the process' view of the file system can no longer be trusted
            raise SandboxError(
                f"user namespace set-up failed after unshare ({e.__cause__}); set {ENV}=landlock to use Landlock alone"
            ) from e
        except OSError as e:
            notes.append(f"user namespace: {e}")
    if which in ("auto", "landlock"):
        try:
            abi = _landlock(r, rw)
            applied.append(f"landlock-abi{abi}")
        except OSError as e:
            notes.append(f"landlock: {e}")
    return applied, notes


def _under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def _outermost(paths: Any) -> list[str]:
    """The paths no other one of them contains (a bind mount covers what is beneath it)."""
    out: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(_under(p, q) for q in out):
            out.append(p)
    return out


def python_paths() -> list[str]:
    """What this interpreter reads to import the modules a worker may still load lazily."""
    import sysconfig

    keys = ("stdlib", "platstdlib", "purelib", "platlib")
    paths = {sysconfig.get_paths()[k] for k in keys}
    paths |= {p for p in sys.path if p and os.path.isdir(p) and p.startswith(sys.prefix)}
    return sorted(paths)
