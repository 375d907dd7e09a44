"""Accessibility basics of the chapter figures, checked on the notebooks.

1. Every figure has a text alternative: a code cell whose stored output is an
   image carries, in its cell metadata, ``mystnb.image.alt`` (the ``alt``
   attribute of the image in the book, read by screen readers) or
   ``mystnb.figure.caption`` (a visible, numbered caption). myst-nb applies
   both when it renders the notebook; tests/test_browser.py checks the
   result in the built HTML.
2. Groups are not told apart by colour alone, so that a figure reads in grey
   scale and for colour-blind readers: a plotting cell that shows several
   labelled series (a legend, ``label=``) or colours points by a variable
   (``scatter(..., c=groups)`` without a colour bar) must also set a marker,
   a line style, a hatch or a matplotlib format string such as ``"o--"``.

This is a static heuristic over the source (Python's ``ast``), documented in
book/instructor_guide.md ("For authors"); it does not see styles set inside
library helpers, which the library's own plotting code must handle.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]

IMAGE_MIME = re.compile(r"^image/")
# Keywords (matplotlib, pandas, seaborn) that set a non-colour encoding.
STYLE_KEYWORDS = {
    "marker",
    "markers",
    "linestyle",
    "ls",
    "linestyles",
    "hatch",
    "dashes",
    "style",
    "fmt",
    "drawstyle",
}
STYLE_METHODS = {"set_hatch", "set_linestyle", "set_marker", "set_dashes"}
PLOT_METHODS = {"plot", "semilogx", "semilogy", "loglog", "errorbar", "step"}
# A matplotlib format string: optional colour letter, marker and/or line style.
FORMAT_STRING = re.compile(
    r"^[bgrcmykw]?(?:[.,ov^<>1234sp*hH+xXDd|_]?(?:--|-\.|-|:)?)"
    r"[bgrcmykw]?$"
)
MIN_ALT_WORDS = 8


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def source_of(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def shows_image(cell):
    return any(
        IMAGE_MIME.match(mime)
        for output in cell.get("outputs", [])
        for mime in output.get("data", {})
    )


def text_alternative(cell):
    """The alt text or caption a figure cell gives the book, or ''."""
    mystnb = cell.get("metadata", {}).get("mystnb", {}) or {}
    alt = str((mystnb.get("image") or {}).get("alt", "")).strip()
    caption = str((mystnb.get("figure") or {}).get("caption", "")).strip()
    return alt or caption


def alternative_problem(cell):
    """Why a figure cell's text alternative is not good enough, or None."""
    text = text_alternative(cell)
    if not text:
        return "no mystnb.image.alt or mystnb.figure.caption in the cell metadata"
    if len(text.split()) < MIN_ALT_WORDS:
        return f"text alternative too short to describe a figure: {text!r}"
    if re.search(r"\.(png|jpe?g|svg)$", text, re.I) or text.lower() in {"figure", "plot"}:
        return f"text alternative is not a description: {text!r}"
    return None


def _python(source):
    # Drop IPython magics and shell escapes so that ast can parse the cell.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def _name(func):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_literal(node):
    return isinstance(node, ast.Constant)


def colour_only_problem(source):
    """Why a plotting cell may tell groups apart by colour alone, or None."""
    tree = _python(source)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    names = {_name(call.func) for call in calls}
    several_series = "legend" in names or any(
        kw.arg == "label" for call in calls for kw in call.keywords
    )
    colour_by_variable = (
        any(
            _name(call.func) == "scatter"
            and any(kw.arg in {"c", "color"} and not _is_literal(kw.value) for kw in call.keywords)
            for call in calls
        )
        and "colorbar" not in names
    )
    if not (several_series or colour_by_variable):
        return None
    styled = (
        any(kw.arg in STYLE_KEYWORDS for call in calls for kw in call.keywords)
        or names & STYLE_METHODS
        or any(
            isinstance(node, ast.Dict)
            and any(isinstance(k, ast.Constant) and k.value in STYLE_KEYWORDS for k in node.keys)
            for node in ast.walk(tree)
        )
        or any(
            _name(call.func) in PLOT_METHODS
            and any(
                isinstance(a, ast.Constant)
                and isinstance(a.value, str)
                and a.value
                and FORMAT_STRING.match(a.value)
                and re.search(r"[-:.,ov^<>sp*hH+xXDd|_1234]", a.value)
                for a in call.args
            )
            for call in calls
        )
    )
    if styled:
        return None
    what = "several labelled series" if several_series else "points coloured by a variable"
    return (
        f"{what} told apart by colour only: also set marker=, linestyle=, hatch= "
        "or a format string such as 'o--'"
    )


# --------------------------------------------------------------------------
# the chapters
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_figure_has_a_text_alternative(path):
    cells = [c for c in read(path)["cells"] if c["cell_type"] == "code" and shows_image(c)]
    problems = [f"cell {i}: {p}" for i, c in enumerate(cells) if (p := alternative_problem(c))]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_groups_differ_by_more_than_colour(path):
    problems = []
    for i, cell in enumerate(read(path)["cells"]):
        if cell["cell_type"] == "code" and shows_image(cell):
            problem = colour_only_problem(source_of(cell))
            if problem:
                problems.append(f"figure cell {i}: {problem}")
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_chapters_have_figures():
    # Guard against the two tests above passing on notebooks with no figure.
    assert sum(shows_image(c) for p in NOTEBOOKS for c in read(p)["cells"]) >= 1


# --------------------------------------------------------------------------
# the heuristics themselves
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "for g in (0, 1):\n    ax.plot(x, y[g], label=str(g))\nax.legend()",
        "ax.bar(x, a, color='C0', label='a')\nax.bar(x, b, color='C1', label='b')\nplt.legend()",
        "ax.scatter(X[:, 0], X[:, 1], c=groups)",
        "%matplotlib inline\nplt.hist(a, label='a')\nplt.hist(b, label='b')\nplt.legend()",
    ],
)
def test_colour_only_figures_are_caught(source):
    assert colour_only_problem(source)


@pytest.mark.parametrize(
    "source",
    [
        "ax.plot(x, y)\nax.set_title('one series')",
        "for g, ls in ((0, '-'), (1, '--')):\n"
        "    ax.plot(x, y[g], linestyle=ls, label=g)\nax.legend()",
        "ax.plot(x, a, 'o-', label='a')\nax.plot(x, b, 's--', label='b')\nax.legend()",
        "ax.bar(x, a, hatch='//', label='a')\nax.bar(x, b, label='b')\nax.legend()",
        "styles = {0: {'marker': 'o'}, 1: {'marker': 's'}}\n"
        "for g in (0, 1):\n    ax.scatter(x[g], y[g], label=g, **styles[g])\nax.legend()",
        "sc = ax.scatter(X[:, 0], X[:, 1], c=scores)\nfig.colorbar(sc)",
        "ax.scatter(x, y, c='black')",
    ],
)
def test_styled_or_single_series_figures_pass(source):
    assert colour_only_problem(source) is None


def test_text_alternative_rules():
    def cell(meta):
        return {"cell_type": "code", "metadata": meta, "outputs": []}

    assert alternative_problem(cell({}))
    assert alternative_problem(cell({"mystnb": {"image": {"alt": "a plot"}}}))
    assert alternative_problem(cell({"mystnb": {"image": {"alt": "../_images/a.png"}}}))
    long_alt = "Line chart of the test error against the penalty weight for both groups"
    assert alternative_problem(cell({"mystnb": {"image": {"alt": long_alt}}})) is None
    assert alternative_problem(cell({"mystnb": {"figure": {"caption": long_alt}}})) is None


# --------------------------------------------------------------------------
# the book's own fixes for axe-core (tests/test_browser.py runs axe itself)
# --------------------------------------------------------------------------


def test_bibliography_entries_get_a_role_that_is_not_deprecated():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
    from fairtutor_a11y import replace_deprecated_roles

    # As docutils 0.21 writes a citation list.
    html = (
        '<div role="list" class="citation-list">\n'
        '<div class="citation" id="id30" role="doc-biblioentry">\n<p>A.</p>\n</div>\n'
        '<div role="doc-biblioentry" class="citation" id="id31">\n<p>B.</p>\n</div>\n</div>'
    )
    fixed = replace_deprecated_roles(html)
    assert "doc-biblioentry" not in fixed
    assert fixed.count('role="listitem"') == 2
    assert '<div role="list" class="citation-list">' in fixed
    # Prose that merely mentions the role is left alone.
    prose = '<p>docutils writes role="doc-biblioentry"</p>'
    assert replace_deprecated_roles(prose) == prose


def test_icon_only_navigation_toggles_get_an_accessible_name():
    import sys

    from markupsafe import Markup

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
    from fairtutor_a11y import TOGGLE_LABEL, label_toctree_toggles

    # As the theme writes the toggle of a chapter with sections.
    html = Markup(
        '<li class="has-children"><a href="x.html">2. Risk</a><details><summary>'
        '<span class="toctree-toggle" role="presentation"><i class="fa-solid"></i></span>'
        "</summary><ul><li>2.1</li></ul></details></li>"
    )
    fixed = label_toctree_toggles(str(html))
    assert f'<summary aria-label="{TOGGLE_LABEL}">' in fixed
    assert fixed.count("<summary") == 1
    # A summary with its own text keeps it and gets no label.
    named = "<details><summary>Model answer</summary><p>…</p></details>"
    assert label_toctree_toggles(named) == named
