"""Expected failures a user can act on: the CLI prints the message (no traceback) and exits non-zero."""

from __future__ import annotations


class UserError(Exception):
    """A failure caused by input or environment; the message says what was wrong and what to do."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
