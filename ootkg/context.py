"""What every command needs from the global options: the Settings they built and a store
opened with them. Its own module so the command modules and cli.py both import it and
neither imports the other."""

from __future__ import annotations

import typer

from kg.settings import Settings
from kg.store import GraphStore, open_store


def settings_of(ctx: typer.Context) -> Settings:
    """The Settings built by the global options (Settings() from the environment when a
    command runs without them, e.g. straight from a test)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def open_for(ctx: typer.Context, *, write: bool = False, annotations: bool = False) -> GraphStore:
    """The graph store the global options name, read-only unless ``write``; ``annotations``:
    a writer of Example and Review nodes only."""
    return open_store(settings_of(ctx), read_only=not write, annotations=annotations)
