"""Settings come from explicit arguments, then OOTKG_* variables, then a .env file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kg.settings import Settings


def test_environment_dotenv_and_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("OOTKG_DB", "OOTKG_STORE", "OOTKG_DEFAULT_VERSION", "OOTKG_DECOMP"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / ".env").write_text(
        "# comment\nOOTKG_DB='/from/dotenv'\nexport OOTKG_DEFAULT_VERSION=ntsc-1.0\nOTHER=1\n"
    )
    s = Settings()
    assert s.db == Path("/from/dotenv") and s.default_version == "ntsc-1.0"
    monkeypatch.setenv("OOTKG_DB", "/from/env")
    monkeypatch.setenv("OOTKG_DECOMP", "")  # empty: unset
    assert Settings().db == Path("/from/env") and Settings().decomp is None
    assert Settings(db=Path("/explicit")).db == Path("/explicit")
    monkeypatch.setenv("OOTKG_STORE", "sqlite")
    with pytest.raises(ValidationError):
        Settings()
