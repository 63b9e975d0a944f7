"""The `ootkg dataset` commands: a generation run as a dataset to train on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ootkg.errors import UserError

dataset_app = typer.Typer(help="Turn generation runs into a dataset: splits by target entity.", no_args_is_help=True)


@dataset_app.command("export")
def export_cmd(
    runs: Annotated[list[Path], typer.Argument(help="Generation run outputs (JSONL).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the split files.")],
    only_ok: Annotated[bool, typer.Option("--only-ok/--all", help="Leave out rows that failed validation.")] = True,
) -> None:
    """Write train.jsonl, validation.jsonl and test.jsonl: one entity's examples are all in
    one split (a hash of the target), in this export and any other. Rows whose id an
    earlier run already exported are written once. The files load with Hugging Face
    `datasets.load_dataset("json", data_files={...})` as they are.

    Examples:

    ```
    ootkg dataset export data/run1.jsonl data/run2.jsonl --out data/oot-v1
    ```
    """
    from generate.dataset import export

    missing = [str(r) for r in runs if not r.is_file()]
    if missing:
        raise UserError(f"No run output at {', '.join(missing)}.")
    counts = export(runs, out, only_ok=only_ok)
    total = sum(counts.values())
    typer.echo(f"{total} examples in {out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
