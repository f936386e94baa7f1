"""Secrets: no credential is committed to the repository (runs in `make test`, so in CI).

Scans every file `git ls-files` lists for private keys, cloud access keys, passwords in URLs,
well-known token formats and hard-coded password / secret / token assignments. The documented
public development PII key is allowed (it is meant to be public; production refuses it).
"""

import re
import subprocess

import pytest

from lending.settings import DEV_PII_KEY, REPO_ROOT

MAX_BYTES = 2_000_000
PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(
        r"(?i)aws_secret_access_key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]{3,}@[^\s/]+"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "API secret key": re.compile(r"\bsk-[A-Za-z0-9_-]{32,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "hard-coded secret": re.compile(
        r"(?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token)\b"
        r"\s*[:=]\s*['\"]([^'\"\s{}$<>]{8,})['\"]"),
}
ALLOWED_VALUES = {DEV_PII_KEY}


def find_secrets(name: str, text: str) -> list[str]:
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                if any(allowed in match.group(0) for allowed in ALLOWED_VALUES):
                    continue
                found.append(f"{name}:{lineno}: {kind}")
    return found


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True)
    return [n for n in out.stdout.decode().split("\0") if n]


def test_repository_has_no_credentials():
    files = tracked_files()
    assert len(files) > 50
    found = []
    for name in files:
        path = REPO_ROOT / name
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        data = path.read_bytes()
        if b"\0" in data[:8000]:
            continue  # binary
        found += find_secrets(name, data.decode("utf-8", errors="replace"))
    assert found == []


# Examples are assembled at run time so that this file itself holds no credential-shaped text.
@pytest.mark.parametrize("kind, line", [
    ("private key", "-----BEGIN RSA " + "PRIVATE KEY-----"),
    ("AWS access key id", "key = " + "AKIA" + "ABCDEFGHIJKLMNOP"),
    ("password in a URL", "postgres://" + "loader:hunter22" + "@db.internal:5432/lending"),
    ("GitHub token", "ghp_" + "a1B2" * 9),
    ("hard-coded secret", "PASSWORD = '" + "s3cr3t-value" + "'"),
])
def test_scanner_finds_planted_credentials(kind, line):
    assert find_secrets("planted.txt", line) == [f"planted.txt:1: {kind}"]


def test_public_dev_pii_key_is_allowed():
    assert find_secrets("settings.py", f'secret = "{DEV_PII_KEY}"') == []
