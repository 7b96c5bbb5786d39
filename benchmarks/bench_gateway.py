"""The gateway's speed figures: verifications and issues per second on one core, with the
in-process and the Redis replay store, and the browser client's hash rate in Chromium.

Run: ``python benchmarks/bench_gateway.py [SECONDS] [--redis redis://127.0.0.1:6379/0]
[--chromium /usr/bin/chromium]``. Verification is the gateway's: HMAC tag, window, one
SHA-256 trial, redeem in the store (a Redis round trip on loopback with ``--redis``), on one
thread, so the figure is per core. The browser rate runs the page's own worker.js in
``navigator.hardwareConcurrency`` Web Workers on a puzzle no nonce solves, for SECONDS.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import http.server
import os
import threading
import time
from pathlib import Path

from powsim.gateway.app import batch_bytes
from powsim.gateway.clock import SteadyClock
from powsim.gateway.store import open_store
from powsim.hashcash.protocol import HashCash
from powsim.hashcash.solver import Solver

BITS = 8  # verification hashes once whatever the bits; few bits keep the set-up short
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def verification_rate(store_url: str, seconds: float) -> tuple[float, float]:
    """(issues/s, verifications/s) on one thread with the store at ``store_url``."""
    store = open_store(store_url)
    hashcash = HashCash(store.secret(), clock=SteadyClock(), replay=store)
    digest = hashlib.sha256(batch_bytes(64)).digest()
    issued, start = [], time.perf_counter()
    while time.perf_counter() - start < seconds:
        issued.append(hashcash.issue("bench", digest, BITS).encode())
    issue_rate = len(issued) / (time.perf_counter() - start)
    count = min(len(issued), 20_000)
    with Solver(os.cpu_count() or 1) as solver:
        solved = [(c, solver.solve(c, BITS).nonce_bytes) for c in issued[:count]]
    start = time.perf_counter()
    verdicts = [hashcash.verify(c, n, "bench", digest) for c, n in solved]
    verify_rate = len(solved) / (time.perf_counter() - start)
    assert all(v.ok for v in verdicts)
    return issue_rate, verify_rate


BROWSER_JS = """async (seconds) => {
  const workers = navigator.hardwareConcurrency, counts = new Array(workers).fill(0), all = [];
  for (let i = 0; i < workers; i++) {
    const worker = new Worker('/static/worker.js');
    worker.onmessage = (event) => { counts[i] = event.data.hashes; };
    worker.postMessage({challenge: '00'.repeat(160), bits: 64, start: i, stride: workers});
    all.push(worker);
  }
  await new Promise((done) => setTimeout(done, 1000));
  const first = counts.reduce((a, b) => a + b, 0), started = performance.now();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const hashes = counts.reduce((a, b) => a + b, 0) - first;
  const elapsed = (performance.now() - started) / 1000;
  all.forEach((worker) => worker.terminate());
  return {workers, rate_hz: hashes / elapsed};
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the page's requests are not the benchmark's output
        pass


def browser_rate(chromium: str, seconds: float) -> dict:
    """Chromium's hash rate (H/s) with the page's worker.js, after a one-second warm-up."""
    from playwright.sync_api import sync_playwright

    root = Path(__file__).resolve().parents[1] / "gateway"
    handler = functools.partial(_Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_port}/static/index.html")
            result = page.evaluate(BROWSER_JS, seconds)
            browser.close()
    finally:
        httpd.shutdown()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seconds", nargs="?", type=float, default=2.0)
    parser.add_argument("--redis", help="also measure with this Redis store")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, {args.seconds:g} s per measurement, one thread")
    for url in ["memory"] + ([args.redis] if args.redis else []):
        issue, verify = verification_rate(url, args.seconds)
        print(f"store {url}: {issue:,.0f} challenges issued/s, {verify:,.0f} verifications/s")
    if os.path.exists(args.chromium):
        result = browser_rate(args.chromium, args.seconds)
        print(f"browser (Chromium, WebCrypto SHA-256, {result['workers']} Web Workers): "
              f"{result['rate_hz']:,.0f} H/s, {result['rate_hz'] / result['workers']:,.0f} H/s per worker")


if __name__ == "__main__":
    main()
