"""The built book as a reader sees it: every page of the table of contents
opened in headless Chromium, with the network cut off.

The test builds the book (``jupyter-book build --all -W -n``; unchanged
notebooks come from the execution cache, so a rebuild re-reads every page in
seconds and only re-executes a chapter whose code changed), serves
``_build/html`` on 127.0.0.1 and opens each page in Debian's ``chromium``
driven by Playwright. Every request to another host is aborted, so a page that
still needs a CDN (MathJax, fonts, scripts) fails here exactly as it would in
an offline classroom.

Checks per page: no console error and no uncaught script error; MathJax
typeset every equation (no raw ``$$``/``\\(`` left, no MathJax error box); every
image loaded; every figure in a cell output has a real text alternative; no
cell output shows a Python traceback; exercise solutions are collapsed. The
search page must find "Wasserstein". axe-core (the copy bundled in the
``axe-playwright-python`` wheel, injected into the page: nothing is
downloaded) checks every built page against the WCAG 2.0-2.2 A and AA rules
and must report no violation. A screenshot of each page's first screen
(and of its first figure, if any) is saved in ``_build/screenshots/`` for a
person to look at.

Run alone with ``.venv/bin/python -m pytest -m browser``.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
# Flags for a quiet, reproducible, offline browser. Playwright adds --headless
# itself (headless=True) and --user-data-dir (a fresh, empty profile below).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SEARCH_WORD = "Wasserstein"
# The axe-core rules run on every page: WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Pages Sphinx and its extensions write besides those of _toc.yml
# (index.html only redirects to the root page).
GENERATED_PAGES = ["genindex", "py-modindex", "search", "prf-prf"]


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``file`` entry of the Jupyter Book table of contents, in order."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key))

    walk(toc.get("parts"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb|rst)$", "", f) for f in files]


PAGES = toc_files()


def is_local(url: str) -> bool:
    """A request that stays on this machine: our server, the disk, inline data."""
    parts = urlsplit(url)
    return parts.scheme in ("file", "data", "blob") or parts.hostname == "127.0.0.1"


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


# --------------------------------------------------------------------------
# fixtures: the built book, a local server, one browser for the whole module
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_path():
    path = find_chromium()
    if path is None:
        pytest.skip(
            "no Chromium found (looked for /usr/bin/chromium, chromium, "
            "chromium-browser); install Debian's `chromium` package "
            "(.ci/run does) to run the browser tests"
        )
    return path


@pytest.fixture(scope="module")
def built_book(chromium_path):
    """Build the book with the same flags as `make book`, plus --all so that
    every page is re-read and -W sees every warning."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [
        str(jupyter_book if jupyter_book.exists() else "jupyter-book"),
        "build",
        ".",
        "--all",
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert result.returncode == 0, (
        f"the book does not build with -W -n ({seconds:.0f} s):\n"
        + (result.stdout + result.stderr)[-6000:]
    )
    missing = [p for p in PAGES if not (HTML / f"{p}.html").exists()]
    assert not missing, f"pages of _toc.yml missing from _build/html: {missing}"
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def server(built_book):
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser_context(chromium_path, server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    def offline(route):
        # Nothing leaves the machine: the request to another host is aborted
        # inside the browser, before any lookup or connection.
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh profile
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
        )
        context.route("**/*", offline)
        try:
            yield context
        finally:
            context.close()


def open_page(context, url):
    """Open `url`; collect console and script errors and requests to other
    hosts (live lists, they grow while the page lives); wait for MathJax."""
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    # Requests this page made to another host (the context's route aborts them).
    blocked: list[str] = []
    page.on("request", lambda r: None if is_local(r.url) else blocked.append(r.url))
    page.goto(url, wait_until="load")
    # MathJax 3 typesets asynchronously; its startup promise settles when done.
    page.evaluate("""() => (window.MathJax && MathJax.startup && MathJax.startup.promise)
                           ? MathJax.startup.promise.then(() => true) : false""")
    page.wait_for_load_state("networkidle")
    return page, errors, blocked


# --------------------------------------------------------------------------
# the checks, one test per page of the table of contents
# --------------------------------------------------------------------------

PAGE_FACTS = """() => {
  const main = document.querySelector('main') || document.body;
  // Prose only: code blocks legitimately show dollar signs and backslashes.
  const prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, mjx-container, .highlight')
       .forEach(e => e.remove());
  const imgs = Array.from(document.images).map(img => ({
      src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
      alt: (img.getAttribute('alt') || '').trim(),
      output: !!img.closest('.cell_output'),
      caption: !!(img.closest('figure') && img.closest('figure').querySelector('figcaption'))}));
  const math = Array.from(main.querySelectorAll('.math'));
  const details = Array.from(main.querySelectorAll('details.hide'));
  return {
    proseText: prose.innerText,
    mathCount: math.length,
    mathUntypeset: math.filter(e => !e.querySelector('mjx-container'))
                       .map(e => e.textContent.slice(0, 80)),
    mjxCount: main.querySelectorAll('mjx-container').length,
    mjxErrors: Array.from(main.querySelectorAll('mjx-merror'))
                   .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    images: imgs,
    tracebacks: Array.from(main.querySelectorAll('.cell_output'))
        .map(e => e.innerText)
        .filter(t => /Traceback \\(most recent call last\\)|^\\S+:\\d+: \\w*Warning: /m.test(t))
        .map(t => t.slice(0, 300)),
    errorOutputs: main.querySelectorAll('.output.traceback, .highlight-ipythontb').length,
    exercises: main.querySelectorAll('.exercise').length,
    hideInput: details.filter(d => d.classList.contains('above-input')).length,
    openDetails: details.filter(d => d.open).map(d => d.innerText.slice(0, 80)),
    solutionVisible: Array.from(main.querySelectorAll('details.hide .cell_input'))
        // A closed <details> hides its content with content-visibility in
        // current Chromium: checkVisibility() sees that, offsetParent does not.
        .some(e => e.checkVisibility()),
  };
}"""

RAW_MATH = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{")


def page_problems(facts, errors, blocked):
    """What a reader would see go wrong on a page, as (kind, detail) pairs."""
    problems = []
    if blocked:
        problems.append(("network", f"requests to other hosts (aborted): {blocked}"))
    if errors:
        problems.append(("console", f"browser errors: {errors}"))

    # MathJax: every math node typeset, no error box, no raw delimiter left.
    if facts["mathUntypeset"] or facts["mjxCount"] < facts["mathCount"]:
        problems.append(
            ("math", f"equations not rendered by MathJax: {facts['mathUntypeset'][:5]}")
        )
    if facts["mjxErrors"]:
        problems.append(("math", f"MathJax errors: {facts['mjxErrors'][:5]}"))
    raw = [m.group(0) for m in RAW_MATH.finditer(facts["proseText"])]
    if raw:
        problems.append(
            ("raw-tex", f"raw TeX delimiters left in the text: {raw[:5]} (a malformed $$ block?)")
        )

    # Images: all loaded; figures from cells carry a real text alternative.
    not_loaded = [i["src"] for i in facts["images"] if not i["loaded"]]
    if not_loaded:
        problems.append(("image", f"images that did not load: {not_loaded}"))
    unlabelled = [
        i["src"]
        for i in facts["images"]
        if i["output"]
        and not i["caption"]
        and (
            not i["alt"]
            or i["alt"] == i["src"]
            or re.search(r"\.(png|jpe?g|svg|gif)$", i["alt"], re.I)
        )
    ]
    if unlabelled:
        problems.append(
            (
                "alt",
                f"cell figures without alt text or caption: {unlabelled} "
                "(set the cell metadata mystnb.image.alt; see "
                "book/instructor_guide.md, 'For authors')",
            )
        )

    # Outputs: no traceback, no error output, no Python warning shown to the reader.
    if facts["errorOutputs"] or facts["tracebacks"]:
        problems.append(("traceback", f"outputs show errors: {facts['tracebacks']}"))

    # Exercises: every solution collapsed on arrival.
    if facts["openDetails"] or facts["solutionVisible"]:
        problems.append(("solution", f"a solution is open on arrival: {facts['openDetails']}"))
    if facts["hideInput"] < facts["exercises"]:
        problems.append(
            (
                "solution",
                f"{facts['exercises']} exercises but only "
                f"{facts['hideInput']} collapsed solution cells",
            )
        )
    return problems


@pytest.mark.parametrize("page_name", PAGES)
def test_page_reads_offline(browser_context, server, page_name):
    page, errors, blocked = open_page(browser_context, f"{server}/{page_name}.html")
    try:
        facts = page.evaluate(PAGE_FACTS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stem = page_name.replace("/", "__")
        page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))
        figures = page.locator(".cell_output img")
        if figures.count():  # and the page's first figure, to look at
            figures.first.screenshot(path=str(SCREENSHOTS / f"{stem}__figure1.png"))
    finally:
        page.close()
    problems = page_problems(facts, errors, blocked)
    assert not problems, f"{page_name}:\n" + "\n".join(f"- {k}: {d}" for k, d in problems)


BREAK_THE_PAGE = """async () => {
  const main = document.querySelector('main');
  const details = main.querySelector('details.hide');
  if (details) details.open = true;
  main.insertAdjacentHTML('beforeend',
    '<p>an unrendered $$x^2$$ block</p>' +
    '<div class="cell_output"><img src="../_images/no-such-figure.png"></div>' +
    '<div class="cell_output"><pre>Traceback (most recent call last):</pre></div>');
  const img = main.querySelector('img[src$="no-such-figure.png"]');
  await new Promise(done => { img.onerror = done; img.onload = done;
                              if (img.complete) done(); });
  // An offline classroom: this must be aborted by the route, never sent.
  await fetch('http://offline-check.invalid/asset.js').catch(() => null);
  console.error('a deliberate console error');
}"""


def test_the_checks_catch_a_broken_page(browser_context, server):
    """Each check fires on a page broken on purpose, so a passing page means
    something: open solution, raw TeX, missing image, figure without alt
    text, traceback, console error, request to another host."""
    name = next((p for p in PAGES if p.startswith("notebooks/")), PAGES[0])
    page, errors, blocked = open_page(browser_context, f"{server}/{name}.html")
    try:
        assert not page_problems(page.evaluate(PAGE_FACTS), errors, blocked)
        page.evaluate(BREAK_THE_PAGE)
        facts = page.evaluate(PAGE_FACTS)
    finally:
        page.close()
    kinds = {kind for kind, _ in page_problems(facts, errors, blocked)}
    expected = {"network", "console", "raw-tex", "image", "alt", "traceback"}
    if name.startswith("notebooks/"):
        expected.add("solution")
    assert expected <= kinds, f"checks that did not fire: {expected - kinds}"
    assert any("offline-check.invalid" in url for url in blocked)


# --------------------------------------------------------------------------
# accessibility: axe-core on every built page
# --------------------------------------------------------------------------


@functools.cache
def _axe():
    # The axe-core script ships inside the wheel (axe.min.js); Axe.run injects
    # it into the page with page.evaluate, so it works offline.
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(page):
    """The WCAG A/AA violations axe-core finds on `page`, one line per rule."""
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    response = _axe().run(page, options=options).response
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}; e.g. "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        for v in response["violations"]
    ]


def built_pages(html_root):
    """Every HTML page of the build, as a name without .html."""
    names = set()
    for path in html_root.rglob("*.html"):
        relative = path.relative_to(html_root)
        if relative.parts[0] in ("_static", "_sources", "_images") or relative.name == "index.html":
            continue
        names.add(relative.with_suffix("").as_posix())
    return names


def test_axe_checks_every_built_page(built_book):
    """The pages below are all the build writes, so none escapes axe."""
    unchecked = built_pages(built_book) - set(PAGES) - set(GENERATED_PAGES)
    assert not unchecked, f"pages not checked by axe (add them to GENERATED_PAGES): {unchecked}"


# What the theme's light/dark button does (pydata-sphinx-theme keys its colours
# on <html data-theme>), with transitions off so axe reads the final colours.
SWITCH_TO_DARK = """() => {
  const style = document.createElement('style');
  style.textContent = '*, *::before, *::after { transition: none !important; }';
  document.head.appendChild(style);
  document.documentElement.dataset.mode = 'dark';
  document.documentElement.dataset.theme = 'dark';
  return getComputedStyle(document.body).backgroundColor;
}"""


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("page_name", PAGES + GENERATED_PAGES)
def test_page_has_no_accessibility_violation(browser_context, server, page_name, mode):
    """axe-core finds no WCAG 2 A/AA violation, in either colour mode of the theme."""
    page, _, _ = open_page(browser_context, f"{server}/{page_name}.html")
    try:
        if mode == "dark":
            background = page.evaluate(SWITCH_TO_DARK)
            assert background != "rgb(255, 255, 255)", "the dark mode did not switch on"
        violations = axe_violations(page)
    finally:
        page.close()
    assert not violations, f"{page_name} ({mode} mode): axe-core (WCAG 2 A/AA) reports\n" + (
        "\n".join(f"- {v}" for v in violations)
    )


INACCESSIBLE_HTML = """() => {
  document.querySelector('main').insertAdjacentHTML('beforeend',
    '<p style="color:#999;background:#fff">grey on white, 2.8:1</p>' +
    '<div role="list"><div role="doc-biblioentry">a deprecated role</div></div>' +
    '<img src="../_static/no-alt.png">');
}"""


def test_axe_catches_what_it_must(browser_context, server):
    """axe fires on a page made inaccessible on purpose: low contrast, the
    deprecated bibliography role our extension removes, an image without alt."""
    page, _, _ = open_page(browser_context, f"{server}/{PAGES[0]}.html")
    try:
        assert not axe_violations(page)
        page.evaluate(INACCESSIBLE_HTML)
        found = {line.split(" ", 1)[0] for line in axe_violations(page)}
    finally:
        page.close()
    assert {"color-contrast", "aria-deprecated-role", "image-alt"} <= found, found


def test_chapters_have_math_figures_and_collapsed_solutions(browser_context, server):
    """A guard against the per-page checks passing vacuously: across the
    chapters, equations were typeset, figures loaded and solutions hidden."""
    chapters = [p for p in PAGES if p.startswith("notebooks/")]
    assert chapters, "no chapter in _toc.yml"
    totals = {"mjx": 0, "images": 0, "hidden": 0, "exercises": 0}
    for name in chapters:
        page, _, _ = open_page(browser_context, f"{server}/{name}.html")
        try:
            facts = page.evaluate(PAGE_FACTS)
        finally:
            page.close()
        totals["mjx"] += facts["mjxCount"]
        totals["images"] += sum(i["output"] and i["loaded"] for i in facts["images"])
        totals["hidden"] += facts["hideInput"]
        totals["exercises"] += facts["exercises"]
    assert totals["mjx"] > 0 and totals["images"] > 0, totals
    assert totals["exercises"] >= 3 * len(chapters), totals
    assert totals["hidden"] >= totals["exercises"], totals


def test_chapters_read_from_disk(browser_context, built_book):
    """A copy of _build/html on a USB stick, opened with no server: every
    chapter still typesets its equations and shows its figures. (Search needs
    a server for its excerpts in Chromium, which blocks fetch() on file://.)"""
    for name in [p for p in PAGES if p.startswith("notebooks/")]:
        page, errors, blocked = open_page(browser_context, (built_book / f"{name}.html").as_uri())
        try:
            facts = page.evaluate(PAGE_FACTS)
        finally:
            page.close()
        problems = page_problems(facts, errors, blocked)
        assert not problems, f"{name} from disk:\n" + "\n".join(f"- {k}: {d}" for k, d in problems)


def test_search_finds_wasserstein(browser_context, server):
    page, errors, blocked = open_page(browser_context, f"{server}/search.html?q={SEARCH_WORD}")
    try:
        # Sphinx's searchtools fills ul.search asynchronously from searchindex.js.
        page.wait_for_selector("ul.search li", timeout=30_000)
        results = page.eval_on_selector_all(
            "ul.search li", "items => items.map(li => li.innerText)"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "search.png"))
    finally:
        page.close()
    assert not blocked, f"search tried to reach the network: {blocked}"
    assert not errors, f"search: browser errors {errors}"
    assert results, f"the search page found no page for {SEARCH_WORD!r}"
    assert any(SEARCH_WORD.lower() in r.lower() for r in results), results


def test_mathjax_is_served_from_the_book(built_book):
    """Offline reading: the pages load MathJax from _static, never a CDN."""
    html = (built_book / f"{PAGES[0]}.html").read_text(encoding="utf-8")
    sources = [
        src.split("?")[0]  # Sphinx appends ?v=<checksum>
        for src in re.findall(r'<script[^>]+src="([^"]*(?:mathjax|MathJax)[^"]*)"', html)
    ]
    assert sources, "no MathJax script in the page"
    assert all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert all((built_book / PAGES[0]).parent.joinpath(s).resolve().exists() for s in sources)


def test_api_page_documents_every_public_name(built_book):
    """Every function and class a module exports has an entry on the API page.

    Catches what Sphinx does not warn about, e.g. an unclosed code fence in
    book/api.md that swallows the next module's section."""
    import importlib
    import pkgutil

    import fairtutor

    html = (built_book / "book" / "api.html").read_text(encoding="utf-8")
    modules = [
        m.name for m in pkgutil.iter_modules(fairtutor.__path__) if not m.name.startswith("_")
    ]
    assert len(modules) >= 13, modules
    missing = []
    for name in modules:
        module = importlib.import_module(f"fairtutor.{name}")
        if f'id="module-fairtutor.{name}"' not in html:
            missing.append(f"fairtutor.{name} (the module)")
        for public in getattr(module, "__all__", []):
            # functions and classes; constants and command-line entry points
            # (``main``) are documented in prose
            if not callable(getattr(module, public)) or public == "main":
                continue
            if f'id="fairtutor.{name}.{public}"' not in html:
                missing.append(f"fairtutor.{name}.{public}")
    assert not missing, f"not on the API page (book/api.md): {missing}"


def test_toc_parser_reads_parts_chapters_and_sections(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: book/intro\nparts:\n"
        "  - caption: A\n    chapters:\n      - file: notebooks/01_x\n"
        "        sections:\n          - file: book/sub.md\n"
        "      - url: https://example.org\n        title: outside\n",
        encoding="utf-8",
    )
    assert toc_files(toc) == ["book/intro", "notebooks/01_x", "book/sub"]


# --------------------------------------------------------------------------
# the course kit (issue 21): slide decks, their links, the printable syllabus
# --------------------------------------------------------------------------

CHAPTER_STEMS = [p[len("notebooks/") :] for p in PAGES if p.startswith("notebooks/")]

SLIDE_FACTS = """() => ({
  slides: Reveal.getTotalSlides(),
  mjx: document.querySelectorAll('mjx-container').length,
  mjxErrors: Array.from(document.querySelectorAll('mjx-merror'))
                  .map(e => e.getAttribute('data-mjx-error') || e.textContent),
  text: document.querySelector('.reveal .slides').innerText,
  images: Array.from(document.images).map(i => i.complete && i.naturalWidth > 0),
  alts: Array.from(document.images).map(i => (i.getAttribute('alt') || '').trim()),
})"""


@pytest.mark.parametrize("stem", CHAPTER_STEMS)
def test_slides_open_offline_from_disk(browser_context, built_book, stem):
    """Each chapter's deck, as `make book` publishes it, opened from disk: reveal.js
    starts, MathJax typesets, no console error, no request leaves file://."""
    deck = built_book / "_static" / "slides" / f"{stem}.slides.html"
    assert deck.is_file(), f"no slides for {stem} in the built book"
    page = browser_context.new_page()
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(deck.as_uri(), wait_until="load")
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
        facts = page.evaluate(SLIDE_FACTS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"slides__{stem}.png"))
    finally:
        page.close()
    assert not errors, f"{stem} slides: browser errors {errors}"
    outside = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    assert not outside, f"{stem} slides: requests outside file:// {outside}"
    assert facts["slides"] >= 8, facts["slides"]
    assert facts["mjx"] > 0 and not facts["mjxErrors"], facts["mjxErrors"]
    assert all(facts["images"]), "an image of the deck did not load"
    assert all(len(alt.split()) >= 8 for alt in facts["alts"]), "a figure without alt text"
    for raw in (":::", "{prf:", "{exercise}", "$$"):
        assert raw not in facts["text"], f"{stem} slides show raw {raw!r}"


def test_instructor_guide_links_every_deck(built_book):
    page = built_book / "book" / "instructor_guide.html"
    links = re.findall(r'href="([^"]*_static/slides/[^"]+)"', page.read_text(encoding="utf-8"))
    assert sorted(Path(link).name for link in links) == sorted(
        f"{stem}.slides.html" for stem in CHAPTER_STEMS
    )
    for link in links:
        assert (page.parent / link).resolve().is_file(), link


def test_syllabus_prints_on_one_page(browser_context, server):
    page, errors, blocked = open_page(browser_context, f"{server}/book/syllabus.html")
    try:
        pdf = page.pdf(format="A4")
        text = page.inner_text("main")
    finally:
        page.close()
    assert not errors and not blocked, (errors, blocked)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the syllabus prints on more pages"
    for word in ("Prerequisites", "Learning goals", "Grading", "Projects"):
        assert word in text
