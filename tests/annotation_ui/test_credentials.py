"""Secrets: 0600 file in a 0700 folder, stable keyed pseudonyms, redaction."""

from __future__ import annotations

import stat

from emocurate.annotation_ui import credentials


def test_secrets_file_is_private_and_stable(workspace):
    creds = credentials.load_or_create(workspace)
    path = credentials.secrets_path(workspace)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert (path.parent / ".gitignore").read_text() == "*\n"
    again = credentials.load_or_create(workspace)
    assert again.token == creds.token and len(creds.token) == 40


def test_pseudonyms_are_keyed_stable_and_case_insensitive(workspace):
    creds = credentials.load_or_create(workspace)
    p = creds.pseudonym("Alice@Example.org")
    assert p == creds.pseudonym("alice@example.org ") and p.startswith("a_") and "alice" not in p
    other = credentials.Credentials("x", "y", "z", "00" * 32)
    assert other.pseudonym("alice@example.org") != p  # another workspace key, another id


def test_redact_hides_every_secret(workspace):
    creds = credentials.load_or_create(workspace)
    text = f"token={creds.token} pw={creds.admin_password}"
    assert creds.token not in creds.redact(text) and creds.admin_password not in creds.redact(text)
