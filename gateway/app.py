"""The gateway: challenges priced from an account's ledger, labels for solved challenges.

A request's life (puzzle-first): ``POST /challenge`` (rate-limited per account) reads the
account's ledger and returns a signed HashCash challenge whose bits the scenario's policy
sets (:mod:`powsim.gateway.pricing`); the client solves it and ``POST /labels`` sends the
nonce with the images. The gateway verifies (the simulator's HashCash, the replay store
shared by every gateway on it), labels the images with the victim, prices them with the
teachers' votes and adds their PATE cost to the ledger. ``GET /metrics`` is Prometheus'
text format; ``GET /`` the browser client. A bad request gets a 4xx JSON ``{"error",
"reason"}``; blocking work (store, hashing, inference) runs in worker threads, the
verified requests waiting for the model on threads of their own.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from powsim.gateway.clock import SteadyClock
from powsim.gateway.metrics import CONTENT_TYPE, Metrics
from powsim.gateway.oracle import Oracle
from powsim.gateway.pricing import Pricing
from powsim.gateway.store import Store
from powsim.gateway.wire import (BadRequest, ChallengeRequest, LabelsRequest, body_limit,
                                 challenge_request, labels_request, parse_json)
from powsim.gateway.load_effort import LoadEffort
from powsim.hashcash.protocol import HashCash, Verdict
from powsim.model.load import DifficultyRule

STATIC = Path(__file__).with_name("static")
VERDICT_STATUS = {Verdict.MALFORMED: 400, Verdict.BATCH: 422, Verdict.REPLAY: 409}  # others 403


@dataclass(frozen=True)
class Limits:
    """What one client may ask: ``max_queries`` per challenge, ``challenges_per_window``
    challenge requests per account per ``window_s`` seconds; challenges live ``ttl_s``; at
    most ``max_queue`` verified requests wait for inference (more are refused before
    verification, so no solution is spent on a refusal), each at most ``wait_s`` seconds."""

    max_queries: int = 256
    challenges_per_window: int = 60
    window_s: float = 60.0
    ttl_s: float = 300.0
    max_queue: int = 64
    wait_s: float = 30.0


def batch_bytes(queries: int) -> bytes:
    """What a challenge's batch digest binds: the number of images it unlocks (the images
    themselves are not known when it is issued)."""
    return f"powsim-gateway queries={queries}".encode()


class Gateway:
    """The gateway's state: pricing, the model, the store, limits, clock, metrics, and the
    scenario's load rule (``difficulty``, for a server of ``capacity_hz`` requests/s: the
    scenario's ``[server]``; a per-account scenario has none and publishes nothing)."""

    def __init__(self, pricing: Pricing, oracle: Oracle, store: Store, limits: Limits = Limits(),
                 clock: Callable[[], float] | None = None,
                 difficulty: DifficultyRule = DifficultyRule(), capacity_hz: float = 1.0) -> None:
        self.pricing, self.oracle, self.store, self.limits = pricing, oracle, store, limits
        self.clock = clock or SteadyClock()
        self.metrics = Metrics()
        self.hashcash = HashCash(store.secret(), ttl_s=limits.ttl_s, clock=self.clock, replay=store)
        self.load = LoadEffort(difficulty, capacity_hz, self.clock)
        self._waiting = 0
        # Verified requests wait for the model on threads of their own, so that a challenge
        # or a verification never queues behind them for one of the shared worker threads.
        self._model_threads = ThreadPoolExecutor(limits.max_queue, "powsim-model")

    def challenge(self, request: ChallengeRequest) -> dict:
        """Issue a challenge for ``request`` (blocking: reads the store)."""
        now = self.clock()
        if not math.isfinite(now):
            raise BadRequest(503, "clock", "server clock unavailable: no challenges until it is back")
        if self.store.count(request.account, now, self.limits.window_s) > self.limits.challenges_per_window:
            raise BadRequest(429, "rate", f"account {request.account!r}: more than "
                             f"{self.limits.challenges_per_window} challenges in {self.limits.window_s:g} s")
        price = self.pricing.price(self.store.ledger(request.account), request.queries)
        load_hashes = self.load.effort()
        combined = self.load.combined(2.0**price.bits, load_hashes)
        bits = self.pricing.difficulty.bits(combined / self.pricing.difficulty.reference_hash_rate_hz)
        issued = self.hashcash.issue(request.account, hashlib.sha256(batch_bytes(request.queries)).digest(),
                                     bits)
        self.metrics.challenges.inc()
        self.metrics.load_effort.set(load_hashes)
        return {"challenge": issued.encode().hex(), "bits": issued.bits, "target_s": price.target_s,
                "account_bits": price.bits, "load_effort": load_hashes,
                "queries": request.queries, "account": request.account,
                "expires_at_s": issued.expires_at_s}

    def verify(self, request: LabelsRequest) -> None:
        """Verify and redeem the solution (blocking); :class:`BadRequest` if refused."""
        start = time.perf_counter()
        verdict = self.hashcash.verify(request.challenge, request.nonce, request.account,
                                       hashlib.sha256(batch_bytes(len(request.images))).digest())
        self.metrics.verify_s.observe(time.perf_counter() - start)
        if not verdict.ok:
            raise BadRequest(VERDICT_STATUS.get(verdict, 403), verdict.name.lower(),
                             f"solution refused: {verdict.value}")

    def serve(self, request: LabelsRequest) -> dict:
        """Label the images and charge their PATE cost to the account (blocking)."""
        answer = self.oracle.answer(request.images)
        cost = float(answer.cost.sum())
        ledger = self.store.charge(request.account, len(answer.labels), cost)
        self.metrics.labels.inc(len(answer.labels))
        self.metrics.service_s.observe(answer.seconds)
        self.metrics.cost.labels(request.account).set(ledger.cost)
        if request.solve_s is not None:
            self.metrics.solve_s.observe(request.solve_s)
        return {"labels": answer.labels.tolist(), "cost": answer.cost.tolist(), "batch_cost": cost,
                "ledger": {"queries": ledger.queries, "cost": ledger.cost},
                "wait_s": answer.wait_s, "service_s": answer.seconds}

    async def labels(self, request: LabelsRequest) -> dict:
        """Verify, then wait (bounded) for the model and serve. The load rule's window sees
        the request's effort (2^bits) handled, trimmed (queue full; only a challenge this
        gateway signed counts) or neither (no answer in time: expired)."""
        if self._waiting >= self.limits.max_queue:
            issued = self.hashcash.authentic(request.challenge)
            if issued is not None:
                self.load.trimmed(2.0**issued.bits)
            raise BadRequest(503, "busy", f"{self._waiting} requests waiting: try again later")
        await run_in_threadpool(self.verify, request)
        effort = 2.0**self.hashcash.authentic(request.challenge).bits  # verified: authentic
        self._waiting += 1
        self.metrics.queue.set(self._waiting)
        self.load.enter(effort)
        served = False
        try:
            answer = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(
                self._model_threads, self.serve, request), self.limits.wait_s)
            served = True
            return answer
        except TimeoutError:
            raise BadRequest(503, "busy", f"no answer within {self.limits.wait_s:g} s") from None
        finally:
            self._waiting -= 1
            self.metrics.queue.set(self._waiting)
            self.load.handled(effort, served)


async def _body(request: Request, limit: int) -> dict:
    """The request's JSON object, refused (413) past ``limit`` bytes without reading further."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        raise BadRequest(413, "size", f"body: expected at most {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(413, "size", f"body: expected at most {limit} bytes")
        chunks.append(chunk)
    return parse_json(b"".join(chunks))


def create_app(gateway: Gateway) -> Starlette:
    """The ASGI application of ``gateway``."""
    limit = body_limit(gateway.limits.max_queries)

    def refused(error: BadRequest) -> JSONResponse:
        gateway.metrics.refusals.labels(error.reason).inc()
        return JSONResponse({"error": error.message, "reason": error.reason}, error.status)

    async def challenge(request: Request) -> Response:
        try:
            parsed = challenge_request(await _body(request, 4096), gateway.limits.max_queries)
            return JSONResponse(await run_in_threadpool(gateway.challenge, parsed))
        except BadRequest as error:
            return refused(error)

    async def labels(request: Request) -> Response:
        try:
            parsed = labels_request(await _body(request, limit), gateway.limits.max_queries)
            return JSONResponse(await gateway.labels(parsed))
        except BadRequest as error:
            return refused(error)

    async def metrics(request: Request) -> Response:
        return Response(gateway.metrics.exposition(), media_type=CONTENT_TYPE)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def http_error(request: Request, error: HTTPException) -> Response:
        return JSONResponse({"error": error.detail, "reason": "http"}, error.status_code)

    return Starlette(routes=[Route("/", index), Route("/challenge", challenge, methods=["POST"]),
                             Route("/labels", labels, methods=["POST"]), Route("/metrics", metrics),
                             Mount("/static", StaticFiles(directory=STATIC), name="static")],
                     exception_handlers={HTTPException: http_error})
