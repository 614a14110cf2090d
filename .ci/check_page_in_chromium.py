"""Open the report page in headless Chromium and fail on a blank page or an image that does not load.

    python .ci/check_page_in_chromium.py results/report/index.html [--min-images N]

The page itself has no script. A copy of it gets a small probe script that, once the page has loaded, writes
into the DOM how many images there are, how many decoded to a non-empty picture, and how much text is visible;
Chromium prints the DOM (--dump-dom) and this script reads the probe's line. A screenshot of the copy must not be
a single colour. Chromium runs without network features: the page must be self-contained, and its
Content-Security-Policy (images from data: URIs only) is kept, so an image from anywhere else counts as broken.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const loaded = images.filter((img) => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0);
  const probe = document.createElement("pre");
  probe.id = "probe";
  probe.style.display = "none";  // not part of the screenshot
  probe.textContent = `PROBE images=${images.length} loaded=${loaded.length} text=${document.body.innerText.length}`;
  document.body.appendChild(probe);
});
</script>"""
PROBE_LINE = re.compile(r"PROBE images=(\d+) loaded=(\d+) text=(\d+)")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root in a container
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--no-pings",
    "--dns-prefetch-disable",
    "--virtual-time-budget=10000",  # let the load event (and the probe) run before the DOM is printed
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise SystemExit("no Chromium found (Debian: apt-get install chromium)")


def probe_copy(page: Path, folder: Path) -> Path:
    """The page beside itself (relative links keep working), with the probe, and script allowed only inline."""
    text = page.read_text(encoding="utf-8")
    if "</body>" not in text:
        raise SystemExit(f"{page}: no </body>: not a complete HTML page")
    if "script-src 'none'" not in text:
        raise SystemExit(f"{page}: no \"script-src 'none'\" in its policy: not the report page this check expects")
    text = text.replace("script-src 'none'", "script-src 'unsafe-inline'").replace("</body>", PROBE + "\n</body>")
    copy = folder / f".probe-{page.name}"
    copy.write_text(text, encoding="utf-8")
    return copy


def run(args: list[str], timeout: int = 120) -> str:
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"chromium did not finish within {timeout} s") from None
    if result.returncode != 0:
        raise SystemExit(f"chromium failed ({result.returncode}): {result.stderr[-2000:]}")
    return result.stdout


def check(page: Path, min_images: int) -> list[str]:
    """The problems found (empty when the page is fine)."""
    problems = []
    with tempfile.TemporaryDirectory() as profile:
        copy = probe_copy(page, page.parent)
        try:
            base = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
            dom = run([*base, "--dump-dom", copy.resolve().as_uri()])
            shot = Path(profile) / "page.png"
            run([*base, "--window-size=1280,1600", f"--screenshot={shot}", copy.resolve().as_uri()])
            colours = screenshot_colours(shot)
        finally:
            copy.unlink()
    found = PROBE_LINE.search(dom)
    if not found:
        return ["the probe did not run: the page did not load (or Chromium printed no DOM)"]
    images, loaded, text = map(int, found.groups())
    print(f"{page}: {images} images, {loaded} loaded, {text} characters of text, screenshot: {colours} colours")
    if images < min_images:
        problems.append(f"{images} images, expected at least {min_images}")
    if loaded < images:
        problems.append(f"{images - loaded} of {images} images did not load")
    if text < 200:
        problems.append(f"only {text} characters of visible text: a blank page")
    if colours < 2:
        problems.append("the screenshot is a single colour: a blank page")
    return problems


def screenshot_colours(path: Path) -> int:
    from PIL import Image  # matplotlib's dependency, installed with the package

    with Image.open(path) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 24) or [])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--min-images", type=int, default=1)
    args = parser.parse_args()
    if not args.page.is_file():
        raise SystemExit(f"{args.page}: not found")
    problems = check(args.page, args.min_images)
    for problem in problems:
        print(f"{args.page}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
