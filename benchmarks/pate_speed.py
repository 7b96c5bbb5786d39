"""Speed of the PATE trace machinery: the analysis, and the vectorised teacher ensemble against
a Python loop over the same teachers (votes and training steps, at 1 and 64 images per
teacher). Prints figures and ratios; asserts nothing.

The two sides of each comparison are timed in alternating rounds (vectorised, loop, loop,
vectorised, ...), so that a change of load on a shared machine hits both; the figures are
medians over the rounds and the ratio is the loop's median over the vectorised one's, with
the range of the per-round ratios beside it.

    .venv/bin/python benchmarks/pate_speed.py [--device cpu] [--shape small] [--rounds 7]
        [--teachers 250] [--queries 100000] [--threads N] [--conv2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from torch.nn import functional as F

from powsim.traces.generate.models import TeacherEnsemble
from powsim.traces.generate.setup import ARCHITECTURES
from powsim.traces.generate.training import ensemble_step, ensemble_votes
from powsim.traces.pate import query_costs

BATCHES = (1, 64)
BATCH = 64
CONV2_CHUNK = 4  # images per call, as when voting (unfolding 64 at once would take GBs)

Run = Callable[[], object]


def random_votes(teachers: int, queries: int, seed: int = 0) -> np.ndarray:
    """Vote histograms (queries, 10) from consensus to confusion."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(teachers, rng.dirichlet(np.full(10, 0.3), size=queries))


def analysis(votes: np.ndarray) -> Run:
    return lambda: query_costs(votes, 10.0, 1e-5)


def vectorised_inference(ensemble: TeacherEnsemble, x: torch.Tensor) -> Run:
    return lambda: ensemble_votes(ensemble, x)


def looped_inference(ensemble: TeacherEnsemble, x: torch.Tensor) -> Run:
    members = [ensemble.member(t).to(x.device).eval() for t in range(ensemble.teachers)]

    @torch.no_grad()
    def run() -> torch.Tensor:
        predictions = torch.stack([member(x).argmax(1) for member in members], dim=1)
        return F.one_hot(predictions, 10).sum(dim=1)
    return run


def vectorised_training_step(ensemble: TeacherEnsemble, x: torch.Tensor, y: torch.Tensor) -> Run:
    """One Adam step of every teacher on its own images: x (n, teachers, 28, 28), y (n, teachers),
    with the optimiser ``train_ensemble`` uses (fused Adam)."""
    optimizer = torch.optim.Adam(ensemble.parameters(), fused=True)
    return lambda: ensemble_step(ensemble, optimizer, x, y)


def looped_training_step(ensemble: TeacherEnsemble, x: torch.Tensor, y: torch.Tensor) -> Run:
    """The same step as a loop: each teacher its own network and (fused Adam) optimiser."""
    members = [ensemble.member(t).to(x.device) for t in range(ensemble.teachers)]
    optimizers = [torch.optim.Adam(member.parameters(), fused=True) for member in members]

    def run() -> None:
        for t, (member, optimizer) in enumerate(zip(members, optimizers)):
            optimizer.zero_grad()
            F.cross_entropy(member(x[:, t:t + 1]), y[:, t], reduction="sum").backward()
            optimizer.step()
    return run


def conv2_grouped(ensemble: TeacherEnsemble, h: torch.Tensor) -> Run:
    """The ensemble's second convolution as it runs, grouped and channels-last, on ``h``
    (n, teachers * conv1, 12, 12) in chunks of CONV2_CHUNK images."""
    return lambda: [ensemble.conv2(h[i:i + CONV2_CHUNK]) for i in range(0, len(h), CONV2_CHUNK)]


def conv2_unfold_bmm(ensemble: TeacherEnsemble, h: torch.Tensor) -> Run:
    """The same convolution as 5x5 patches (unfold) times each teacher's filters (bmm)."""
    teachers, shape = ensemble.teachers, ensemble.shape
    weight = ensemble.conv2.weight.reshape(teachers, shape.conv2, shape.conv1 * 25)
    bias = ensemble.conv2.bias.reshape(teachers, shape.conv2, 1)

    def chunk(part: torch.Tensor) -> torch.Tensor:
        n = part.shape[0]
        patches = F.unfold(part, 5).reshape(n, teachers, shape.conv1 * 25, 64)
        return torch.baddbmm(bias, weight, patches.permute(1, 2, 0, 3).reshape(teachers, -1, n * 64))
    return lambda: [chunk(h[i:i + CONV2_CHUNK]) for i in range(0, len(h), CONV2_CHUNK)]


def seconds(run: Run, device: torch.device) -> float:
    """Wall time of one call of ``run``, waiting for the device to finish."""
    start = time.perf_counter()
    run()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def paired_seconds(fast: Run, slow: Run, rounds: int, device: torch.device
                   ) -> tuple[list[float], list[float]]:
    """Seconds per round of ``fast`` and ``slow`` after one warm-up each, alternating which
    goes first (fast-slow, slow-fast, ...) so that drifting load hits both alike."""
    seconds(fast, device), seconds(slow, device)
    fast_times, slow_times = [], []
    for round_ in range(rounds):
        if round_ % 2:
            slow_times.append(seconds(slow, device))
            fast_times.append(seconds(fast, device))
        else:
            fast_times.append(seconds(fast, device))
            slow_times.append(seconds(slow, device))
    return fast_times, slow_times


def report(what: str, fast_name: str, slow_name: str, fast: Run, slow: Run, rounds: int,
           device: torch.device) -> None:
    fast_times, slow_times = paired_seconds(fast, slow, rounds, device)
    ratios = [s / f for f, s in zip(fast_times, slow_times)]
    fast_s, slow_s = statistics.median(fast_times), statistics.median(slow_times)
    print(f"{what}: {fast_name} {fast_s:.4f} s, {slow_name} {slow_s:.4f} s (medians of {rounds}), "
          f"ratio {slow_s / fast_s:.2f}x (per round {min(ratios):.2f}-{max(ratios):.2f}x)",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--shape", choices=sorted(ARCHITECTURES), default="small",
                        help="teacher widths: small (the CPU teachers) or mnistnet (default small)")
    parser.add_argument("--teachers", type=int, default=250)
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per comparison")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    parser.add_argument("--conv2", action="store_true",
                        help="also time the second convolution: grouped against unfold + bmm")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no CUDA device")
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    gpu = f", {torch.cuda.get_device_name(device)}" if device.type == "cuda" else ""
    print(f"device {device}{gpu}; torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
          f"{args.teachers} teachers, shape {args.shape} {ARCHITECTURES[args.shape]}", flush=True)

    votes = random_votes(args.teachers, args.queries)
    elapsed = statistics.median(seconds(analysis(votes), torch.device("cpu")) for _ in range(3))
    print(f"PATE analysis (logq, RDP at 396 orders, eps), CPU: {args.queries / elapsed:,.0f} "
          f"queries/s ({args.queries} queries in {elapsed:.3f} s)", flush=True)

    ensemble = TeacherEnsemble(args.teachers, ARCHITECTURES[args.shape]).to(device).eval()
    for batch in BATCHES:
        x = torch.rand(batch, 1, 28, 28, device=device)
        report(f"votes, {batch} image(s)", "vectorised", "loop over teachers",
               vectorised_inference(ensemble, x), looped_inference(ensemble, x), args.rounds, device)
    for batch in BATCHES:
        x = torch.rand(batch, args.teachers, 28, 28, device=device)
        y = torch.randint(0, 10, (batch, args.teachers), device=device)
        report(f"training step, {batch} image(s) per teacher", "vectorised", "loop over teachers",
               vectorised_training_step(ensemble, x, y), looped_training_step(ensemble, x, y),
               args.rounds, device)
    if args.conv2:
        with torch.no_grad():
            h = torch.rand(BATCH, ensemble.conv2.in_channels, 12, 12, device=device)
            h = h.contiguous(memory_format=torch.channels_last)
            report(f"second convolution, {BATCH} images", "grouped", "unfold + bmm",
                   conv2_grouped(ensemble, h), conv2_unfold_bmm(ensemble, h), args.rounds, device)


if __name__ == "__main__":
    main()
