"""Reviewers and their tokens. Only a SHA-256 of each token is stored: tokens are 256 random
bits, so a fast hash is enough (there is nothing to brute-force), and a stolen
``reviewers.json`` lets nobody in."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from pathlib import Path

from review.home import Home, write_atomic
from review.models import NAME, ReviewError


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Reviewers:
    def __init__(self, home: Home) -> None:
        self.home = home
        self.path: Path = home.path / "reviewers.json"

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text())["reviewers"]
        except (OSError, ValueError, KeyError):
            return {}

    def add(self, name: str, *, rotate: bool = False, created: str = "") -> str:
        """A new token for ``name`` (shown once); ``rotate`` replaces an existing one."""
        if not NAME.match(name):
            raise ReviewError(
                f"Reviewer name {name!r}: use 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit."
            )
        with self.home._locked():
            people = self._load()
            if name in people and not rotate:
                raise ReviewError(
                    f"Reviewer {name!r} exists. Use --rotate to give them a new token (the old one stops working)."
                )
            token = f"ootkg_{secrets.token_urlsafe(32)}"
            people[name] = {"sha256": token_hash(token), "created": created}
            write_atomic(self.path, json.dumps({"reviewers": people}, indent=1, sort_keys=True), mode=0o600)
        return token

    def names(self) -> list[str]:
        return sorted(self._load())

    def verify(self, token: str) -> str | None:
        """The reviewer this token belongs to, or None."""
        if not token or len(token) > 200:
            return None
        h = token_hash(token)
        found = None
        for name, entry in self._load().items():
            if hmac.compare_digest(entry.get("sha256", ""), h):
                found = name
        return found

    def hash_of(self, name: str) -> str | None:
        return self._load().get(name, {}).get("sha256")
