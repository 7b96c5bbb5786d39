"""The gateway's Prometheus metrics (prometheus-client), one registry per gateway.

Units are in the names (Prometheus conventions): seconds, and privacy cost in epsilon (the
sum of per-query PATE epsilons). Each gateway process exports its own figures; behind
several processes, scrape each (``--workers N`` processes share one port, so use one
process per port when every figure is wanted).
"""

from __future__ import annotations

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector,
                               generate_latest)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

SOLVE_BUCKETS_S = (0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300)
VERIFY_BUCKETS_S = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
SERVICE_BUCKETS_S = (1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    """Solve times reported by clients, verification and service seconds, queue length,
    per-account privacy cost, labels served, the published load effort and refusals by
    reason."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)  # process_cpu_seconds_total and the like
        self.solve_s = Histogram("powsim_gateway_client_solve_seconds",
                                 "Solve times reported by clients with their solutions",
                                 buckets=SOLVE_BUCKETS_S, registry=self.registry)
        self.verify_s = Histogram("powsim_gateway_verification_seconds",
                                  "Time to verify one solution (HMAC, window, hash, replay store)",
                                  buckets=VERIFY_BUCKETS_S, registry=self.registry)
        self.queue = Gauge("powsim_gateway_queue_length",
                           "Verified requests waiting for or in inference", registry=self.registry)
        self.cost = Gauge("powsim_gateway_account_privacy_cost_epsilon",
                          "Cumulative additive PATE cost of an account (sum of per-query epsilons)",
                          ["account"], registry=self.registry)
        self.labels = Counter("powsim_gateway_labels_served",
                              "Labels served (one per query)", registry=self.registry)
        self.challenges = Counter("powsim_gateway_challenges_issued", "Challenges issued",
                                  registry=self.registry)
        self.load_effort = Gauge("powsim_gateway_load_effort_hashes",
                                 "Effort the scenario's load rule publishes (hashes)",
                                 registry=self.registry)
        self.service_s = Histogram("powsim_gateway_service_seconds",
                                   "Time the model is held for one batch (victim and teachers; waiting for it and pricing excluded)",
                                   buckets=SERVICE_BUCKETS_S, registry=self.registry)
        self.refusals = Counter("powsim_gateway_refusals", "Requests refused, by reason",
                                ["reason"], registry=self.registry)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
