"""Who is asking: a reviewer's token once (``/login``), then a signed session cookie; or the
token as a bearer header (scripts). Forms carry a per-form CSRF token bound to the
reviewer and the example; a bearer request needs none (a browser never adds that header
to a cross-site request on its own).

The session cookie is ``name.issued.mac`` with ``mac = HMAC(secret, name|issued|token
hash)``: rotating a reviewer's token ends their sessions; nothing secret is in it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from review.reviewers import Reviewers

COOKIE = "ootkg_review"
SESSION_DAYS = 14


class Auth:
    def __init__(self, reviewers: Reviewers, secret: bytes) -> None:
        self.reviewers = reviewers
        self.secret = secret

    def _mac(self, *parts: str) -> str:
        return hmac.new(self.secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()[:40]

    def session_for(self, name: str) -> str:
        issued = str(int(time.time()))
        return f"{name}.{issued}.{self._mac('session', name, issued, self.reviewers.hash_of(name) or '')}"

    def from_session(self, cookie: str | None) -> str | None:
        if not cookie or cookie.count(".") < 2:
            return None
        mac = cookie.rsplit(".", 1)[1]
        name, issued = cookie.rsplit(".", 1)[0].rsplit(".", 1)
        token_hash = self.reviewers.hash_of(name)
        if token_hash is None or not issued.isdigit():
            return None
        if time.time() - int(issued) > SESSION_DAYS * 86400:
            return None
        if not hmac.compare_digest(mac, self._mac("session", name, issued, token_hash)):
            return None
        return name

    def from_bearer(self, header: str | None) -> str | None:
        if not header or not header.startswith("Bearer "):
            return None
        return self.reviewers.verify(header[7:].strip())

    def csrf(self, name: str, example: str) -> str:
        return self._mac("csrf", name, example, self.reviewers.hash_of(name) or "")

    def check_csrf(self, name: str, example: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given or "", self.csrf(name, example))
