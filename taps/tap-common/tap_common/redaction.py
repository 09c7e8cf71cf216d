"""Keep secret values out of every log line and error message.

Secrets are registered once (from the config's secret settings, and from tokens the
authenticators obtain at run time); a log-record factory then replaces them in every
formatted message, whoever logs it (the SDK, requests, urllib3 or our code).
"""

from __future__ import annotations

import logging
import threading
import typing as t

MASK = "****"
# Short values would mask ordinary words; real keys and tokens are longer.
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def register_secret(value: t.Any) -> None:
    """Remember a secret value so it never appears in logs or errors.

    A secret given with the wrong type (a number, a list) is remembered too: a
    validation error would otherwise echo it.
    """
    if isinstance(value, (list, tuple, set)):
        for item in value:
            register_secret(item)
        return
    if isinstance(value, dict):
        for item in value.values():
            register_secret(item)
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)
        _install_log_record_factory()


def redact(text: str) -> str:
    """Return text with every registered secret replaced by a mask."""
    if not _secrets:
        return text
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _install_log_record_factory() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous_factory = logging.getLogRecordFactory()

    def redacting_factory(*args: t.Any, **kwargs: t.Any) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            return record
        redacted = redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return record

    logging.setLogRecordFactory(redacting_factory)
