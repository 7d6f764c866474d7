"""The whole loop in a real browser (Playwright driving Debian's Chromium): sign in, write a
scorecard, submit a call, watch it complete, open it, follow evidence to the audio.

Saves screenshots of the main pages; with NEURONLENS_UPDATE_SCREENSHOTS=1 under docs/screenshots/
(the README shows them)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from neuronlens.api.app import create_app
from neuronlens.config import Settings
from neuronlens.pipeline.models import ModelRegistry
from neuronlens.storage.repository import Repository
from tests.conftest import DATA_DIR, MODELS_DIR, REPO_ROOT
from tests.support.http_server import LocalHTTPServer
from tests.support.live_server import serve_app

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Belt and braces for the loopback-only rule: no host name resolves to anything.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--autoplay-policy=no-user-gesture-required",
]
# The README's screenshots are refreshed only on request (NEURONLENS_UPDATE_SCREENSHOTS=1), so
# that a test run does not rewrite files in the checkout; otherwise they go to a temporary folder.
UPDATE_SCREENSHOTS = bool(os.environ.get("NEURONLENS_UPDATE_SCREENSHOTS"))
SCREENSHOTS = (
    REPO_ROOT / "docs" / "screenshots"
    if UPDATE_SCREENSHOTS
    else Path(tempfile.mkdtemp(prefix="neuronlens-screenshots-"))
)
CALL = DATA_DIR / "calls" / "hi_two_speakers.mp3"
EXAMPLE = "इस बारिश में बाहर जाना एकदम सवाल के बाहर है"  # turn 3 of the call


REQUIRE_BROWSER = bool(os.environ.get("NEURONLENS_REQUIRE_BROWSER"))
"""Read at import: the suite's autouse fixture clears NEURONLENS_* variables before each test."""


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if REQUIRE_BROWSER:
        pytest.fail(f"NEURONLENS_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    pytest.skip(f"the browser test needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def service(tmp_path: Path, model_registry: ModelRegistry) -> Iterator[tuple[str, str]]:
    """The service with its workers on SQLite; yields (base URL, an account's API key)."""
    settings = Settings(
        data_dir=tmp_path / "data",
        model_cache_dir=MODELS_DIR,
        allow_private_urls=True,
        poll_interval=0.1,
        workers=1,
    )
    app = create_app(settings, workers=True, models=model_registry)
    with serve_app(app) as base_url:
        repository: Repository = app.state.services.repository
        _, key = repository.create_account("acme-contact-centre")
        yield base_url, key


def test_sign_in_score_submit_and_follow_evidence(service: tuple[str, str], tmp_path: Path) -> None:
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    base, key = service
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with LocalHTTPServer() as audio_server, sync_playwright() as pw:
        audio_url = audio_server.add_file("/calls/4492.mp3", CALL.read_bytes(), "audio/mpeg")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.set_default_timeout(15_000)
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.on("dialog", lambda dialog: dialog.accept())

            # Sign in: every page sends you to the login form first.
            page.goto(base + "/calls")
            expect(page).to_have_url(re.compile(r"/login\?next=/calls$"))
            page.fill("#api_key", key)
            page.click("button:has-text('Sign in')")
            expect(page).to_have_url(base + "/calls")

            # Register a webhook endpoint: the call's completion will be delivered to it.
            hook_url = audio_server.url("/hooks/neuronlens")
            page.click("nav >> text=Webhooks")
            page.fill("#url", hook_url)
            page.click("button:has-text('Add endpoint')")
            expect(page.locator("#new-secret")).to_have_value(re.compile(r"^whsec_"))

            # Write a scorecard in the structured editor.
            page.click("text=Scorecards")
            page.click("text=New scorecard")
            page.fill("#f-name", "Service call (browser)")
            page.fill("#f-sections-0-criteria-0-question", "Did the agent refuse to go out?")
            page.fill("#f-sections-0-criteria-0-within-seconds", "")
            examples = page.locator(".examples-row").first
            examples.locator("input").fill("hi")
            examples.locator("input").dispatch_event("change")
            page.locator(".examples-row textarea").first.fill(EXAMPLE)
            page.click("text=Add criterion")
            page.fill("#f-sections-0-criteria-1-id", "no_rudeness")
            page.select_option("#f-sections-0-criteria-1-kind", "prohibited")
            page.fill("#f-sections-0-criteria-1-question", "Was the agent rude?")
            page.check("#f-sections-0-criteria-1-fatal")
            page.locator(".examples-row textarea").nth(1).fill("That's not my problem.")
            page.locator(".examples-row input").nth(1).fill("en")
            page.screenshot(path=str(SCREENSHOTS / "scorecard-editor.png"), full_page=True)
            # A mistake comes back from the server next to its field, the draft intact.
            page.fill("#f-sections-0-criteria-1-weight", "0")
            page.click("#save-scorecard")
            weight = "#f-sections-0-criteria-1-weight"
            expect(page.locator(weight)).to_have_attribute("aria-invalid", "true")
            beside = page.locator(".stack", has=page.locator(weight)).locator(".field-error")
            expect(beside).to_contain_text("greater than 0")
            expect(page.locator("#form-errors")).to_contain_text("sections[0].criteria[1].weight")
            expect(page.locator("#f-sections-0-criteria-1-question")).to_have_value(
                "Was the agent rude?"
            )
            page.fill(weight, "10")
            page.click("#save-scorecard")
            expect(page.locator(".flash")).to_contain_text("Scorecard created")
            scorecard_id = page.url.split("/qa/scorecards/")[1].split("?")[0]

            # Submit the call through the form, with QA scoring.
            page.click("text=Submit a call")
            page.fill("#audio_url", audio_url)
            page.select_option("#language", "hi-IN")
            page.fill("#num_speakers", "2")
            page.check("input[name=features][value=qa_scoring]")
            page.select_option("#qa_scorecard_id", scorecard_id)
            page.screenshot(path=str(SCREENSHOTS / "submit.png"), full_page=True)
            page.click("button:has-text('Submit')")
            expect(page).to_have_url(re.compile(r"/calls/job_\w+$"))
            call_url = page.url

            # Watch it complete: the page refreshes itself while the call is processed.
            expect(page.locator("#call-status")).to_have_text("completed", timeout=300_000)
            assert audio_server.hits("/calls/4492.mp3") >= 1
            expect(page.locator("#transcript .line")).not_to_have_count(0)
            expect(page.locator("#qa .criterion")).to_have_count(2)
            page.screenshot(path=str(SCREENSHOTS / "call.png"), full_page=True)

            # A transcript line's time seeks the player to that line.
            player = "document.getElementById('call-audio')"
            page.wait_for_function(f"{player}.readyState >= 1", timeout=20_000)
            line = page.locator("#transcript .line .time").nth(2)
            line_start = float(line.get_attribute("data-seek") or "nan")
            assert line_start > 1.0
            line.click()
            page.wait_for_function(f"Math.abs({player}.currentTime - {line_start}) < 0.5")
            expect(page.locator("#transcript .line").nth(2)).to_have_class(re.compile(r"playing"))

            # Evidence links to its transcript line, and the player follows it there.
            link = page.locator("#qa .evidence-link[href^='#seg-']").first
            target = link.get_attribute("href") or ""
            seconds = float(link.get_attribute("data-seek") or "nan")
            assert abs(seconds - line_start) > 1.0  # a real move from where the player is
            link.click()
            expect(page).to_have_url(call_url + target)
            expect(page.locator(target)).to_have_class(re.compile(r"playing"))
            page.wait_for_function(f"Math.abs({player}.currentTime - {seconds}) < 0.5")

            # The list shows the scored call; the settings pages render.
            page.click("nav >> text=Calls")
            row = page.locator("table.calls tbody tr").first
            expect(row).to_contain_text("completed")
            expect(row).to_contain_text("hi-IN")
            expect(row.locator(".badge.pass, .badge.fail")).to_have_text(re.compile(r"^\d+ %$"))
            page.screenshot(path=str(SCREENSHOTS / "calls.png"), full_page=True)
            page.click("text=API keys")
            page.click("button:has-text('Create a key')")
            expect(page.locator("#new-key")).to_have_value(re.compile(r"^nl_"))
            page.screenshot(path=str(SCREENSHOTS / "settings-keys.png"), full_page=True)
            page.click("nav >> text=Webhooks")
            page.screenshot(path=str(SCREENSHOTS / "settings-webhooks.png"), full_page=True)

            # The endpoint's delivery log shows the call's event; a test event goes out too.
            page.click(f"text={hook_url}")
            page.click("button:has-text('Send test event')")
            expect(page.locator(".flash")).to_contain_text("test event was queued")
            deliveries = page.locator("table.deliveries tbody tr:not(.attempts)")
            expect(deliveries).to_have_count(2)
            expect(deliveries.filter(has_text="transcription.completed")).to_contain_text(
                "succeeded"
            )
            expect(deliveries.filter(has_text="webhook.test")).to_contain_text(
                "succeeded", timeout=30_000
            )  # the page refreshes itself while a delivery is pending
            posts = [r for r in audio_server.requests if r.path == "/hooks/neuronlens"]
            assert len(posts) == 2 and all("webhook-signature" in r.headers for r in posts)
            page.screenshot(
                path=str(SCREENSHOTS / "settings-webhook-deliveries.png"), full_page=True
            )

            # Sign out: the pages are closed again.
            page.click("button:has-text('Sign out')")
            expect(page).to_have_url(re.compile(r"/login$"))
            page.goto(call_url)
            expect(page).to_have_url(re.compile(r"/login\?next="))
            assert page_errors == []
        finally:
            browser.close()
