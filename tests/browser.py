"""Headless Chromium for tests: load a local HTML file, report what a reader would see.

No WebDriver or DevTools client is needed: the page is copied with one inline script prepended
that records console errors and failed loads, measures every chart (``figure.chart`` > svg/img)
and lists any resource the page fetched; ``chromium --dump-dom`` prints the DOM after load and
the script's JSON is read back from it. A second call takes the screenshot kept as an artifact.

Without chromium the tests skip with a message, but under ``CI=true`` a missing browser fails:
CI (``.ci/run``) installs the Debian package ``chromium``.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("LENDING_TEST_ARTIFACTS",
                                Path(__file__).resolve().parents[1] / "data" / "test-artifacts"))
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic",
         "--virtual-time-budget=15000"]

PROBE = """<script>
window.__errors = [];
(function () {
  const original = console.error;
  console.error = function () {
    window.__errors.push('console.error: ' + Array.from(arguments).join(' '));
    return original.apply(console, arguments);
  };
})();
window.addEventListener('error', function (e) {
  const t = e.target || {};
  window.__errors.push('error: ' + (e.message || t.src || t.href || t.tagName));
}, true);
window.addEventListener('load', function () {
  const charts = Array.from(document.querySelectorAll('figure.chart')).map(function (f) {
    const el = f.querySelector('svg, img');
    const box = el ? el.getBoundingClientRect() : {width: 0, height: 0};
    const tag = el ? el.tagName.toLowerCase() : null;
    return {name: f.dataset.chart, tag: tag, width: box.width, height: box.height,
            loaded: tag === 'img' ? (el.complete && el.naturalWidth > 0) : tag === 'svg',
            marks: tag === 'svg' ? el.querySelectorAll('path, image, use, rect').length : 1};
  });
  const fetched = performance.getEntriesByType('resource').map(function (e) { return e.name; })
    .filter(function (n) { return n.indexOf('data:') !== 0; });
  const out = document.createElement('pre');
  out.id = '__checks';
  out.textContent = JSON.stringify({errors: window.__errors, charts: charts, fetched: fetched});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    """The browser's path; skips the test without one, fails under CI=true."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path:
        return path
    message = ("chromium not found: install the Debian package `chromium` "
               "(apt-get install -y chromium) to run the browser test")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _run(args: list[str], text: bool = True) -> subprocess.CompletedProcess:
    """Chromium with a profile of its own: two browsers sharing the default profile (tests of
    two suites at once) make the second exit with code 21, "profile in use"."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        run = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                             capture_output=True, text=text, timeout=120)
    stderr = run.stderr if text else run.stderr.decode(errors="replace")
    assert run.returncode == 0, f"chromium exited with {run.returncode}:\n{stderr[-2000:]}"
    return run


def inspect_page(page: Path, workdir: Path) -> dict:
    """Load ``page`` with the probe; returns errors, charts (sizes) and fetched URLs, plus the
    console messages Chromium logged (``console``)."""
    text = page.read_text(encoding="utf-8")
    probed = workdir / f"probed-{page.name}"
    probed.write_text(text.replace("<head>", "<head>" + PROBE, 1), encoding="utf-8")
    run = _run(["--enable-logging=stderr", "--v=0", "--dump-dom", probed.as_uri()])
    found = re.search(r'<pre id="__checks">(.*?)</pre>', run.stdout, re.S)
    assert found, f"the probe did not run; chromium stderr:\n{run.stderr[-2000:]}"
    checks = json.loads(html.unescape(found.group(1)))
    checks["console"] = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln]
    return checks


def screenshot(page: Path, name: str, height: int = 6000) -> Path:
    """Full-width screenshot of ``page`` kept under ARTIFACTS (printed for the CI log)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / name
    _run([f"--window-size=1200,{height}", f"--screenshot={out}", page.as_uri()], text=False)
    print(f"screenshot of {page}: {out}")
    return out
