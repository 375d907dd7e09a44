"""Small fixes to the HTML that Jupyter Book 1.x (Sphinx 7.4) writes.

Loaded from ``_config.yml`` (``sphinx.local_extensions``).

Duplicate inline scripts. An extension that registers an inline script
(``app.add_js_file(None, body=...)``) after the builder started, as
``sphinx_thebe`` does for every page, gets it written twice into each page:
Sphinx keeps it once with filename ``None`` and adds it again with filename
``''`` before writing, and the two copies do not compare equal. The second
copy re-declares ``const THEBE_JS_URL`` and every page logs "Identifier
'THEBE_JS_URL' has already been declared" in the reader's console
(tests/test_browser.py rejects console errors). We keep the first of each
script, identical filename-or-body and attributes.

nbgrader markers in prose. A written-answer cell (a graded markdown cell, see
the instructor guide) wraps its model answer in ``### BEGIN SOLUTION`` /
``### END SOLUTION`` lines so that nbgrader and ``make student`` can replace
it; in the book those lines would render as two level-3 headings (and appear
in the page's table of contents). We drop them from markdown cells before
MyST parses the notebook; code cells keep theirs.
"""

from __future__ import annotations

import json

NBGRADER_MARKERS = {"### BEGIN SOLUTION", "### END SOLUTION"}


def _script_key(script):
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def unique_scripts(scripts):
    """Return ``scripts`` without repeats, in their first order."""
    seen = set()
    kept = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


def _dedupe_page_scripts(app, pagename, templatename, context, doctree):
    if "script_files" in context:
        context["script_files"] = unique_scripts(context["script_files"])


def strip_markdown_solution_markers(notebook_json):
    """Return the notebook JSON text without nbgrader marker lines in markdown cells."""
    notebook = json.loads(notebook_json)
    changed = False
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        lines = text.split("\n")
        kept = [line for line in lines if line.strip() not in NBGRADER_MARKERS]
        if len(kept) != len(lines):
            cell["source"] = "\n".join(kept).strip("\n")
            changed = True
    return json.dumps(notebook, ensure_ascii=False) if changed else notebook_json


def _strip_markers_on_read(app, docname, source):
    path = app.env.doc2path(docname)
    if str(path).endswith(".ipynb"):
        source[0] = strip_markdown_solution_markers(source[0])


def setup(app):
    app.connect("source-read", _strip_markers_on_read)
    # Late priority: after sphinx.ext.mathjax and the themes add their scripts.
    app.connect("html-page-context", _dedupe_page_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
