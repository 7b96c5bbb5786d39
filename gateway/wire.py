"""The gateway's requests on the wire: JSON bodies, parsed and checked before any work.

Every malformed request is a :class:`BadRequest` (a 4xx status, a short ``reason`` that
labels the refusal counter, and a one-line message), never a server error. Nothing is
unpickled: bodies are JSON, images are base64 of raw uint8 pixels with their declared
dtype and shape checked against the bytes.

``POST /challenge``: ``{"account": "alice", "queries": 64}``.
``POST /labels``: ``{"account": "alice", "challenge": HEX (160 bytes), "nonce": HEX (8
bytes), "images": {"dtype": "uint8", "shape": [n, 28, 28], "data": BASE64}, "solve_s":
seconds the client took (optional)}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass

import numpy as np

from powsim.gateway.oracle import IMAGE_SHAPE
from powsim.hashcash.protocol import CHALLENGE_BYTES
from powsim.hashcash.sha256 import NONCE_BYTES

ACCOUNT = re.compile(r"[A-Za-z0-9._@:-]{1,48}")
MAX_SOLVE_S = 86_400.0


class BadRequest(Exception):
    """A refused request: HTTP ``status``, a short ``reason`` and a one-line ``message``."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass(frozen=True)
class ChallengeRequest:
    """An account asking for a challenge that unlocks ``queries`` queries."""

    account: str
    queries: int


@dataclass(frozen=True)
class LabelsRequest:
    """A solved challenge with the images (uint8, (n, 28, 28)) it unlocks."""

    account: str
    challenge: bytes
    nonce: bytes
    images: np.ndarray
    solve_s: float | None


def body_limit(max_queries: int) -> int:
    """Largest body accepted (bytes): base64 of ``max_queries`` images plus 4 KiB of fields."""
    return 4 * math.ceil(max_queries * IMAGE_SHAPE[0] * IMAGE_SHAPE[1] / 3) + 4096


def parse_json(body: bytes) -> dict:
    """The JSON object in ``body``."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise BadRequest(400, "malformed", "body: expected a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "malformed", "body: expected a JSON object")
    return data


def _field(data: dict, name: str, kind: type | tuple[type, ...]) -> object:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadRequest(400, "malformed", f"field {name!r}: missing or of the wrong type")
    return value


def _account(data: dict) -> str:
    account = _field(data, "account", str)
    if not ACCOUNT.fullmatch(account):
        raise BadRequest(400, "malformed", "field 'account': expected 1 to 48 of A-Z a-z 0-9 . _ @ : -")
    return account


def challenge_request(data: dict, max_queries: int) -> ChallengeRequest:
    """The challenge request in ``data``; at most ``max_queries`` queries."""
    queries = _field(data, "queries", int)
    if not 1 <= queries <= max_queries:
        raise BadRequest(400, "malformed", f"field 'queries': {queries}, expected 1 to {max_queries}")
    return ChallengeRequest(_account(data), queries)


def _hex(data: dict, name: str, size: int) -> bytes:
    text = _field(data, name, str)
    if len(text) != 2 * size:
        raise BadRequest(400, "malformed", f"field {name!r}: expected {size} bytes as {2 * size} hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise BadRequest(400, "malformed", f"field {name!r}: expected hex digits") from None


def images(data: dict, max_queries: int) -> np.ndarray:
    """The images of field 'images': uint8, shape (n, 28, 28) with 1 <= n <= max_queries."""
    spec = _field(data, "images", dict)
    if spec.get("dtype") != "uint8":
        raise BadRequest(422, "images", "field 'images.dtype': expected 'uint8'")
    shape = spec.get("shape")
    if not (isinstance(shape, list) and len(shape) == 3 and all(type(s) is int for s in shape)
            and tuple(shape[1:]) == IMAGE_SHAPE and 1 <= shape[0] <= max_queries):
        raise BadRequest(422, "images", f"field 'images.shape': expected [n, 28, 28] with n from 1 "
                                        f"to {max_queries}")
    encoded = spec.get("data")
    if not isinstance(encoded, str):
        raise BadRequest(422, "images", "field 'images.data': expected base64 text")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(422, "images", "field 'images.data': expected base64 text") from None
    if len(raw) != shape[0] * IMAGE_SHAPE[0] * IMAGE_SHAPE[1]:
        raise BadRequest(422, "images", f"field 'images.data': {len(raw)} bytes, expected "
                                        f"{shape[0]} x 28 x 28 uint8 pixels")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape)


def labels_request(data: dict, max_queries: int) -> LabelsRequest:
    """The labels request in ``data``; at most ``max_queries`` images."""
    solve_s = data.get("solve_s")
    if solve_s is not None and (not isinstance(solve_s, (int, float)) or isinstance(solve_s, bool)
                                or not 0 <= solve_s <= MAX_SOLVE_S):
        raise BadRequest(400, "malformed", f"field 'solve_s': expected seconds from 0 to {MAX_SOLVE_S:g}")
    return LabelsRequest(_account(data), _hex(data, "challenge", CHALLENGE_BYTES),
                         _hex(data, "nonce", NONCE_BYTES), images(data, max_queries),
                         None if solve_s is None else float(solve_s))
