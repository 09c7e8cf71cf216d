"""Errors a user reads: one line naming the stream, the request, the status and the API's words."""

from __future__ import annotations

import json
import typing as t
from urllib.parse import urlparse

from singer_sdk.exceptions import FatalAPIError

from tap_common.redaction import redact

if t.TYPE_CHECKING:
    import requests

_MAX_API_TEXT = 300


class TapError(Exception):
    """An error whose message is complete and safe to show the user as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(" ".join(message.split())))


class CredentialsRefused(FatalAPIError):
    """The API refused the configured credentials (401): every stream would fail."""


def _text_from_json(body: t.Any) -> str | None:
    if isinstance(body, str):
        return body
    if isinstance(body, list):
        parts = [text for item in body if (text := _text_from_json(item))]
        return "; ".join(parts) or None
    if not isinstance(body, dict):
        return None
    # JSON:API errors, Close/PersistIQ {"error": ...}, generic message/detail keys.
    for key in ("errors", "error", "message", "detail", "details", "title", "reason"):
        value = body.get(key)
        if value:
            text = _text_from_json(value)
            if key == "error" and isinstance(value, dict):
                reason, message = value.get("reason"), value.get("message")
                if reason and message:
                    text = f"{reason}: {message}"
            if key == "errors" and isinstance(value, list):
                details = []
                for item in value:
                    if isinstance(item, dict):
                        ident = item.get("id") or item.get("code")
                        detail = item.get("detail") or item.get("details") or item.get("title")
                        details.append(f"{ident}: {detail}" if ident and detail else str(detail or ident))
                    else:
                        details.append(str(item))
                text = "; ".join(details)
            if text:
                return text
    if field_errors := body.get("field-errors"):
        return json.dumps(field_errors, sort_keys=True)
    return None


def api_error_text(response: requests.Response) -> str:
    """The API's own explanation of a failed response, short and on one line."""
    try:
        text = _text_from_json(response.json())
    except ValueError:
        text = None
    if not text:
        text = response.text or response.reason or ""
    text = " ".join(str(text).split())
    if len(text) > _MAX_API_TEXT:
        text = text[: _MAX_API_TEXT - 3] + "..."
    return redact(text) or "(empty body)"


def request_path(response: requests.Response) -> str:
    """The request's path without query string (queries may carry filters or keys)."""
    return urlparse(response.request.url if response.request else response.url).path


def http_error_message(stream_name: str, response: requests.Response) -> str:
    method = response.request.method if response.request else "GET"
    return (
        f"{stream_name}: {method} {request_path(response)} returned "
        f"{response.status_code} {response.reason or ''}".rstrip()
        + f": {api_error_text(response)}"
    )
