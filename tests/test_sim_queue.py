"""The server's workers as queues: waits appear beyond capacity and match Erlang C."""

import math

import numpy as np

from simkit import query_trace, run

QUEUE = """
[defense]
policy = "paper"
reference = "legit.parquet"
reference_hash_rate = 1.0e-6   # every puzzle rounds to 0 bits: only the queue matters here
[server]
workers = {workers}
service = "{service}"
[[agents]]
kind = "legit"
name = "users"
count = {count}
trace = "one.parquet"
hardware = "gpu"
{arrivals}
"""


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with offered load a = lambda/mu < c."""
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


def test_queueing_appears_when_arrivals_exceed_capacity(tmp_path):
    query_trace(tmp_path / "legit.parquet", 0.1, batches=4)
    query_trace(tmp_path / "one.parquet", 0.1, batches=3, cost_s=0.0)
    # 8 users submit at once, 3 batches of 1 s each: 2 workers must queue, 8 workers never do.
    crowded, _ = run(tmp_path, QUEUE.format(workers=2, service="fixed", count=8, arrivals=""))
    roomy, _ = run(tmp_path, QUEUE.format(workers=8, service="fixed", count=8, arrivals=""))
    assert crowded["queue_s"].max() > 1.0
    assert crowded["queue_s"].mean() > 1.0
    assert np.allclose(roomy["queue_s"], 0.0)


def test_mean_wait_matches_erlang_c(tmp_path):
    # M/M/4 with lambda = 3/s and mu = 1/s: Wq = C(4, 3) / (c mu - lambda) = 0.5094 s.
    # 41,000 single-batch users; the first 1,000 are warm-up; the standard error comes from
    # 20 batch means of 2,000 customers each (long batches, as waits are autocorrelated at
    # 75 % load), and we allow 4 of them.
    query_trace(tmp_path / "legit.parquet", 0.1, batches=4)
    query_trace(tmp_path / "one.parquet", 0.1, batches=1, cost_s=0.0)
    events, _ = run(tmp_path, QUEUE.format(workers=4, service="exponential", count=41_000,
                                           arrivals="arrival_rate_hz = 3.0"),
                    mode="sampled", seed=0)
    waits = events.sort_values("actor")["queue_s"].to_numpy()[1000:]
    theory = erlang_c(4, 3.0)
    # The mean wait, and the fraction of customers who wait at all (against C(4, 3) itself).
    for values, expected in ((waits, theory / (4 * 1.0 - 3.0)), (waits > 1e-9, theory)):
        means = values.reshape(20, 2000).mean(axis=1)
        standard_error = means.std(ddof=1) / math.sqrt(len(means))
        print(f"simulated {values.mean():.4f}, theory {expected:.4f}, s.e. {standard_error:.4f}")
        assert abs(values.mean() - expected) < 4 * standard_error


def test_cost_workers_zero_estimates_on_the_inference_worker(tmp_path):
    query_trace(tmp_path / "legit.parquet", 0.1, batches=4)
    query_trace(tmp_path / "one.parquet", 0.1, batches=3, cost_s=0.5)
    text = QUEUE.format(workers=1, service="fixed", count=2, arrivals="")
    separate, _ = run(tmp_path, text)
    shared, _ = run(tmp_path, text.replace("workers = 1", "workers = 1\ncost_workers = 0"))
    # Same service per batch; sharing one worker for both steps can only lengthen the queue.
    assert shared["service_s"].tolist() == separate["service_s"].tolist()
    assert shared["queue_s"].sum() > separate["queue_s"].sum()
