"""The shapes of Tryton's requests and answers, apart from sending them (pure): the padded
base64url JSON of domains, orders and the context header, the `Content-Range` of a page, the
message of a 400, the form of a wizard state."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.tryton import values

#: `Content-Range: records <start>-<stop>/<total or *>` (the stop is exclusive, as in `Range`)
_CONTENT_RANGE = re.compile(r"records (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class Page:
    """One page of a search: records `start` (inclusive) to `stop` (exclusive) of `total`
    matches (None when Tryton did not count them: it answers `*` past ten pages' worth)."""

    records: list[dict[str, Any]]
    start: int
    stop: int
    total: int | None


def context_header(context: Mapping[str, Any]) -> str:
    """The X-Tryton-Context value: padded base64url of the JSON context."""
    return b64_json(context)


def b64_json(value: Any) -> str:
    """Padded base64url JSON, as Tryton decodes `d`, `o` and the context (unpadded: a 500)."""
    return base64.urlsafe_b64encode(json.dumps(values.encode(value)).encode()).decode()


def wizard_form(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A wizard form's values from its defaults, without the `field.` entries that only
    carry the linked records' display names for a client to show."""
    return {name: value for name, value in defaults.items() if "." not in name}


def written_record(body: Any) -> dict[str, Any]:
    """A written record as answered; {} when the user may not read it back (a 204)."""
    return dict(values.decode(body)) if body is not None else {}


def page_of(records: list[dict[str, Any]], content_range: str | None, start: int) -> Page:
    """The page of `records` asked from `start`, bounded as its `Content-Range` says."""
    match = _CONTENT_RANGE.fullmatch((content_range or "").strip())
    if match is None:
        return Page(records, start, start + len(records), None)
    total = None if match.group(3) == "*" else int(match.group(3))
    return Page(records, int(match.group(1)), int(match.group(2)), total)


def user_error_message(body: str) -> str:
    """Tryton's message (and description) from a 400 answer; the raw body if it has none."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, dict) or not answer.get("message"):
        return body
    description = answer.get("description")
    return f"{answer['message']} ({description})" if description else str(answer["message"])
