"""The workspace's Label Studio secrets: admin login, API token, annotator passwords, pseudonym key.

One JSON file, `<workspace>/.secrets/label_studio.json`, created with mode 0600 in a
0700 folder. Nothing in it is ever printed by emocurate except an annotator's own login
(by `annotate add-annotator`, to hand over), and nothing in it goes into a release:
annotators appear in tables only as keyed hashes (`pseudonym`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from emocurate.errors import UsageError
from emocurate.workspace import Workspace

SECRETS_DIR = ".secrets"
SECRETS_FILE = "label_studio.json"
ADMIN_EMAIL = "admin@emocurate.local"


@dataclass
class AnnotatorLogin:
    email: str
    password: str
    user_id: int


@dataclass
class Credentials:
    admin_email: str
    admin_password: str
    token: str
    pseudonym_key: str
    annotators: dict[str, AnnotatorLogin] = field(default_factory=dict)

    def pseudonym(self, email: str) -> str:
        """Stable pseudonymous id of a login: HMAC-SHA256 with this workspace's key."""
        digest = hmac.new(
            bytes.fromhex(self.pseudonym_key), email.strip().lower().encode(), hashlib.sha256
        )
        return "a_" + digest.hexdigest()[:12]

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by '***' (for error messages and logs)."""
        for value in (
            self.token,
            self.admin_password,
            *(a.password for a in self.annotators.values()),
        ):
            if value:
                text = text.replace(value, "***")
        return text


def secrets_path(workspace: Workspace) -> Path:
    return workspace.path(SECRETS_DIR, SECRETS_FILE)


def load(workspace: Workspace) -> Credentials:
    """The workspace's credentials; a UsageError if `annotate serve` never ran here."""
    path = secrets_path(workspace)
    if not path.exists():
        raise UsageError(
            f"no Label Studio credentials in {path}: run `emocurate annotate serve` first"
        )
    try:
        raw = json.loads(path.read_text())
        annotators = {e: AnnotatorLogin(**a) for e, a in raw.pop("annotators", {}).items()}
        return Credentials(**raw, annotators=annotators)
    except (json.JSONDecodeError, TypeError) as exc:
        raise UsageError(
            f"{path} is unreadable ({type(exc).__name__}); restore it from a backup"
        ) from None


def load_or_create(workspace: Workspace) -> Credentials:
    """Existing credentials, or new random ones written with mode 0600."""
    if secrets_path(workspace).exists():
        return load(workspace)
    creds = Credentials(
        admin_email=ADMIN_EMAIL,
        admin_password=secrets.token_urlsafe(18),
        token=secrets.token_hex(20),
        pseudonym_key=secrets.token_hex(32),
    )
    save(workspace, creds)
    return creds


def save(workspace: Workspace, creds: Credentials) -> None:
    """Write atomically; the file is created 0600 (never world-readable, not even briefly)."""
    path = secrets_path(workspace)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    data = asdict(creds)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    os.chmod(path, 0o600)
