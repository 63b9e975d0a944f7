"""kg.persist: every cache and state file is written whole or not at all."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from kg.persist import (
    atomic_open,
    atomic_path,
    atomic_write,
    dump_pickle,
    load_pickle,
    load_versioned,
    save_versioned,
    temp_path,
)


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    p = tmp_path / "state.json"
    p.write_text("old")
    atomic_write(p, "new")
    assert p.read_text() == "new"
    atomic_write(p, b"\x00bytes")
    assert p.read_bytes() == b"\x00bytes"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    p = tmp_path / "state.pkl"
    dump_pickle(p, {"run": 1})
    with pytest.raises(RuntimeError), atomic_open(p) as fh:
        fh.write(b"half of a pickle")
        raise RuntimeError("killed half-way")
    assert load_pickle(p) == {"run": 1}
    with pytest.raises(OSError), atomic_path(p) as tmp:
        tmp.write_bytes(b"x")
        raise OSError("the tool failed")
    assert load_pickle(p) == {"run": 1}
    assert sorted(x.name for x in tmp_path.iterdir()) == ["state.pkl"]


def test_temporary_names_are_unique_to_the_process_and_the_call(tmp_path: Path) -> None:
    p = tmp_path / "x.pkl"
    names = {temp_path(p).name for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith(f"x.pkl.{os.getpid()}.") and n.endswith(".tmp") for n in names)


def test_perms_are_those_asked_for(tmp_path: Path) -> None:
    p = tmp_path / "secret.key"
    atomic_write(p, "k", perms=0o600)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_a_path_written_by_another_program_is_renamed_into_place(tmp_path: Path) -> None:
    p = tmp_path / "walker.so"
    with atomic_path(p) as tmp:
        assert tmp.parent == tmp_path and not tmp.exists()
        tmp.write_bytes(b"ELF")
    assert p.read_bytes() == b"ELF"


def test_unreadable_or_other_version_pickles_read_as_absent(tmp_path: Path) -> None:
    p = tmp_path / "memo.pkl"
    assert load_pickle(p, "missing") == "missing"
    p.write_bytes(b"\x80\x05 cut short")
    assert load_pickle(p) is None
    p.write_bytes(pickle.dumps(("v1", 1))[:-3])
    assert load_versioned(p, "v1") is None
    save_versioned(p, "v1", {"a": 1})
    assert load_versioned(p, "v1") == {"a": 1}
    assert load_versioned(p, "v2", {}) == {}
    dump_pickle(p, ["not", "versioned"])
    assert load_versioned(p, "v1") is None
