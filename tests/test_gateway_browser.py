"""The browser client at / in Debian's headless Chromium (Playwright's Python API, the
system browser by ``executable_path``): it solves a 12-bit challenge in Web Workers with
WebCrypto and receives the victim's label for an image given to its file input. Without
Chromium this fails in CI (``CI`` set) and skips elsewhere, saying why.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from powsim.gateway.app import create_app
from powsim.gateway.pricing import scenario_pricing
from powsim.gateway.serve import GatewayConfig, build_gateway
from powsim.gateway.store import Ledger
from powsim.model.overrides import parse_override
from powsim.model.parse import load_scenario
from programs import CHROMIUM, FLAGS, require
from gatewaykit import SCENARIO, SETUP, serving

BITS = 12


def reference_rate_for(bits: int) -> float:
    """The reference hash rate (H/s) at which a fresh account's one-image challenge has ``bits``."""
    price = scenario_pricing(load_scenario(SCENARIO)).price(Ledger(), 1)
    return 2.0**bits / price.target_s


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    rate = reference_rate_for(BITS)
    gateway = build_gateway(GatewayConfig(SCENARIO, setup=SETUP, cache=str(tmp_path_factory.mktemp("models")),
                                          overrides=(f"defense.reference_hash_rate={rate!r}",)))
    with serving(create_app(gateway)) as url:
        yield url, gateway


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_browser_solves_a_12_bit_challenge_and_gets_a_label(server):
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    url, gateway = server
    shirt = np.full((28, 28), 255, np.uint8)  # a dark T-shape on white: the page inverts it
    shirt[4:10, 3:25] = 30
    shirt[4:26, 9:19] = 30
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(url + "/")
            page.set_input_files("#files", files=[{"name": "shirt.png", "mimeType": "image/png",
                                                   "buffer": png(shirt)}])
            page.wait_for_function("document.getElementById('go').disabled === false")
            page.click("#go")
            page.wait_for_function("window.powsim.last !== null || window.powsim.error !== null",
                                   timeout=120_000)
            result = page.evaluate("window.powsim")
        finally:
            browser.close()
    assert result["error"] is None
    last = result["last"]
    assert last["bits"] == BITS and last["hashes"] > 0 and last["solve_s"] > 0
    # The page drew the PNG at 28 x 28 and inverted it: the victim's label for those pixels.
    expected = gateway.oracle.answer((255 - shirt)[None]).labels.tolist()
    assert last["labels"] == expected
    assert gateway.metrics.registry.get_sample_value("powsim_gateway_client_solve_seconds_count") == 1
    print(f"browser: {last['hashes']} hashes in {last['solve_s']:.3f} s = {last['rate_hz']:.0f} H/s "
          f"on {last['workers']} workers")
    assert math.isfinite(last["rate_hz"])


def test_the_browser_shows_progress_and_can_cancel(server):
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    url, _ = server
    hard = {"challenge": "00" * 160, "bits": 40, "target_s": 1e6, "queries": 1, "account": "browser",
            "expires_at_s": 0}  # 2^40 hashes: days in a browser, so only a cancel ends it
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.route("**/challenge", lambda route: route.fulfill(json=hard))
            page.goto(url + "/")
            page.set_input_files("#files", files=[{"name": "x.png", "mimeType": "image/png",
                                                   "buffer": png(np.zeros((28, 28), np.uint8))}])
            page.wait_for_function("document.getElementById('go').disabled === false")
            page.click("#go")
            page.wait_for_function("document.getElementById('status').textContent.includes('hashes')")
            assert "Solving 40 bits" in page.text_content("#status")
            page.click("#cancel")
            page.wait_for_function("window.powsim.error !== null")
            assert page.evaluate("window.powsim.error") == "cancelled"
            assert page.is_disabled("#cancel") and page.evaluate("window.powsim.last") is None
        finally:
            browser.close()
