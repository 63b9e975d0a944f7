"""The `ootkg validate` command family."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ootkg` app."""
