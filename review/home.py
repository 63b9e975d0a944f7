"""The review home (``OOTKG_REVIEW_DIR``, default ``~/.local/share/ootkg/reviews``).

    reviewers.json     names and SHA-256 hashes of their tokens (never a token)
    runs.json          runs that were served for review (stats, export, feedback, calibrate)
    secret.key         the server's signing key for sessions and per-form CSRF tokens
    calibration.json   what ``ootkg judge calibrate`` found, per judge

Reviews themselves live next to each run (``review.journal``); this directory only
says where to look.
"""

from __future__ import annotations

import fcntl
import json
import secrets
from pathlib import Path
from typing import Any

from kg.persist import atomic_write


def write_atomic(path: Path, text: str, mode: int = 0o644) -> None:
    """``kg.persist.atomic_write``, the folder made first (``mode``: e.g. 0o600 for the key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text, perms=mode)


class Home:
    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()

    @property
    def calibration(self) -> Path:
        return self.path / "calibration.json"

    def _locked(self) -> Any:
        self.path.mkdir(parents=True, exist_ok=True)
        fh = open(self.path / ".lock", "a")
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        return fh

    # -- runs -------------------------------------------------------------------------
    def register(self, run: Path) -> None:
        run = run.resolve()
        with self._locked():
            runs = self._runs()
            if str(run) not in runs:
                runs.append(str(run))
                write_atomic(self.path / "runs.json", json.dumps({"runs": runs}, indent=1))

    def _runs(self) -> list[str]:
        try:
            return list(json.loads((self.path / "runs.json").read_text())["runs"])
        except (OSError, ValueError, KeyError):
            return []

    def runs(self) -> list[Path]:
        """Registered runs whose output file still exists."""
        return [Path(p) for p in self._runs() if Path(p).is_file()]

    # -- the signing key --------------------------------------------------------------
    def secret(self) -> bytes:
        path = self.path / "secret.key"
        with self._locked():
            if not path.exists():
                write_atomic(path, secrets.token_hex(32), mode=0o600)
        return bytes.fromhex(path.read_text().strip())

    # -- calibration ------------------------------------------------------------------
    def read_calibration(self) -> dict[str, Any]:
        try:
            return json.loads(self.calibration.read_text())
        except (OSError, ValueError):
            return {}

    def write_calibration(self, data: dict[str, Any]) -> None:
        with self._locked():
            write_atomic(self.calibration, json.dumps(data, indent=1, sort_keys=True))
