"""Reading request bodies safely: size checked before reading, JSON parsed with a depth limit."""

from __future__ import annotations

import json
from typing import Any

import falcon

#: deepest JSON nesting accepted; Connec! records nest four or five levels
MAX_DEPTH = 32
#: bytes read at a time from a streamed (chunked) body
CHUNK_BYTES = 64 * 1024


def read_body(req: falcon.Request, limit: int) -> bytes:
    """The raw body, at most `limit` bytes, whether its length is declared or streamed; else 413."""
    length = req.content_length
    if length is not None:
        if length > limit:
            raise _too_large(limit)
        return req.bounded_stream.read(length)
    if not req.env.get("wsgi.input_terminated"):
        return b""  # no length and a server that cannot tell where the body ends: no body
    return _read_streamed(req.stream, limit)


def _read_streamed(stream: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(CHUNK_BYTES, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)


def _too_large(limit: int) -> falcon.HTTPContentTooLarge:
    return falcon.HTTPContentTooLarge(description=f"the body is larger than {limit} bytes")


def require_json_content(req: falcon.Request) -> None:
    media_type = (req.content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise falcon.HTTPBadRequest(description="Content-Type must be application/json")


def parse_json(raw: bytes) -> Any:
    """The decoded document; 400 naming the problem for empty, malformed or too deep JSON."""
    if not raw.strip():
        raise falcon.HTTPBadRequest(description="the body is empty; a JSON object is expected")
    try:
        document = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, overlong integers
        raise falcon.HTTPBadRequest(description=f"the body is not valid JSON: {error}") from None
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:  # else it cannot be nested that deep
        _check_depth(document)
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


#: `json.loads(raw, parse_constant=...)`, without building a decoder per call
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _too_deep() -> falcon.HTTPBadRequest:
    return falcon.HTTPBadRequest(description=f"the JSON nesting is deeper than {MAX_DEPTH} levels")


def _check_depth(document: Any) -> None:
    """Level by level (no recursion, one list per level): cheap next to the parse itself."""
    level = [document] if isinstance(document, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise _too_deep()
        deeper: list[Any] = []
        for value in level:
            children = value.values() if isinstance(value, dict) else value
            deeper += [child for child in children if isinstance(child, dict | list)]
        level = deeper


def read_json(req: falcon.Request, limit: int) -> Any:
    require_json_content(req)
    return parse_json(read_body(req, limit))
