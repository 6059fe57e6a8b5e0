"""Annotator accounts: made through the server's invite link, known to tables only by pseudonym."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from emocurate.annotation_ui import credentials, server, store
from emocurate.annotation_ui.client import signup
from emocurate.catalog import now
from emocurate.errors import UsageError
from emocurate.workspace import Workspace

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Login:
    annotator: str  # pseudonym
    email: str
    password: str
    url: str
    created: bool  # False when the account already existed (same login printed again)


def add(workspace: Workspace, email: str, password: str | None = None) -> Login:
    """Create a working account (idempotent: an existing one is returned unchanged)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UsageError(f"{email!r} is not an email address; annotators log in with an email")
    creds = credentials.load(workspace)
    with server.client(workspace) as admin:
        url = admin.url
        if email in creds.annotators:
            known = creds.annotators[email]
            return Login(creds.pseudonym(email), email, known.password, url, created=False)
        if any(u.get("email", "").lower() == email for u in admin.users()):
            raise UsageError(
                f"{email} already has a Label Studio account that emocurate did not create; "
                "use another email (emocurate must know the password to hand it over)"
            )
        invite = admin.invite_token()
    password = password or secrets.token_urlsafe(12)
    if len(password) < 8:
        raise UsageError("a password needs at least 8 characters")
    user_id, _token = signup(url, invite, email, password)
    creds.annotators[email] = credentials.AnnotatorLogin(email, password, user_id)
    credentials.save(workspace, creds)
    pseudonym = creds.pseudonym(email)
    store.catalog(workspace).append(
        "annotators", [{"annotator": pseudonym, "ls_user_id": user_id, "created_at": now()}]
    )
    return Login(pseudonym, email, password, url, created=True)


def pool(workspace: Workspace) -> dict[str, int]:
    """Registered annotators: pseudonym -> Label Studio user id."""
    creds = credentials.load(workspace)
    return {creds.pseudonym(e): a.user_id for e, a in creds.annotators.items()}
