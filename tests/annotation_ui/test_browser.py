"""A real browser (Debian chromium, headless, driven by Playwright) logs in as an annotator,
opens a task of their own project, and the clip's video element has loaded."""

from __future__ import annotations

import shutil

import pytest

from emocurate.annotation_ui import credentials, push, server

from .conftest import ANNOTATORS

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_annotator_opens_a_task_and_the_video_loads(served, artifacts):
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev)")
    if not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    push.push(served, "emotion", 3)  # idempotent: makes sure the projects exist
    email = ANNOTATORS[0]
    creds = credentials.load(served)
    url = server.read_state(served).url
    title = push.project_title(served, "emotion", creds.pseudonym(email))
    with server.client(served) as admin:
        project = next(p for p in admin.projects() if p["title"] == title)
        task = next(admin.tasks(project["id"]))

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{url}/user/login/")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", creds.annotators[email].password)
            page.click("button[type=submit], input[type=submit]")
            page.wait_for_url(lambda u: "/user/login" not in u, timeout=60_000)
            page.goto(f"{url}/projects/{project['id']}/data?tab=1&task={task['id']}")
            page.wait_for_selector("video", state="attached", timeout=120_000)
            page.wait_for_function(
                "() => { const v = document.querySelector('video');"
                " return v && v.readyState >= 2; }",
                timeout=120_000,
            )
            state = page.evaluate(
                "() => { const v = document.querySelector('video');"
                " return {ready: v.readyState, src: v.currentSrc, duration: v.duration,"
                " width: v.videoWidth}; }"
            )
            page.wait_for_timeout(1500)  # let the editor paint the first frame for the artifact
            page.screenshot(path=str(artifacts / "annotator_task.png"))
        finally:
            browser.close()
    assert state["ready"] >= 2
    assert task["data"]["clip_id"] in state["src"] and "/data/local-files/" in state["src"]
    assert state["duration"] == pytest.approx(6.0, abs=0.2) and state["width"] == 640
    assert (artifacts / "annotator_task.png").stat().st_size > 10_000
