"""ARIA roles of the bibliography that axe-core accepts (WCAG 4.1.2, 1.3.1).

Loaded from ``_config.yml`` (``sphinx.local_extensions``).

docutils (0.18 to 0.21) writes a citation list as ``<div role="list">``
holding ``<div role="doc-biblioentry">`` items. DPUB-ARIA 1.1 deprecated
``doc-biblioentry``, and axe-core flags each entry (``aria-deprecated-role``)
and, since a deprecated role does not count as a list item, the list too
(``aria-required-children``): 41 violations on the bibliography page.
A plain ``listitem`` says what the entry is, to every screen reader; the
page's heading already says it is the bibliography. We rewrite the role in
the HTML of each page body, so nothing changes if a later docutils stops
writing it.

The sidebar's expand toggles. A chapter with sections (chapters 2 and 4 have
two pages each) gets a ``<details><summary>`` toggle in the navigation whose
only content is an icon, so axe-core reports ``summary-name`` (the control
has no accessible name). We give each such ``<summary>`` an ``aria-label``,
by wrapping the theme's ``generate_toctree_html`` for every page.
"""

from __future__ import annotations

import re

# The start tag of a docutils citation entry, whatever the order of its attributes.
_BIBLIOENTRY = re.compile(r'(<div\b[^>]*?\brole=")doc-biblioentry(")')


def replace_deprecated_roles(html: str) -> str:
    """Return ``html`` with ``role="doc-biblioentry"`` replaced by ``role="listitem"``."""
    return _BIBLIOENTRY.sub(r"\1listitem\2", html)


# A toggle whose content is only the theme's chevron icon.
_UNNAMED_TOGGLE = re.compile(r'<summary>(?=\s*<span class="toctree-toggle")')
TOGGLE_LABEL = "Show or hide the sections of this chapter"


def label_toctree_toggles(html: str) -> str:
    """Return ``html`` with an ``aria-label`` on each icon-only toctree ``<summary>``."""
    return _UNNAMED_TOGGLE.sub(f'<summary aria-label="{TOGGLE_LABEL}">', html)


def _fix_page_body(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = replace_deprecated_roles(context["body"])


def _label_navigation_toggles(app, pagename, templatename, context, doctree):
    generate = context.get("generate_toctree_html")
    if not callable(generate):
        return

    def labelled(*args, **kwargs):
        html = generate(*args, **kwargs)
        fixed = label_toctree_toggles(str(html))
        return fixed if type(html) is str else type(html)(fixed)  # keep Markup safe

    context["generate_toctree_html"] = labelled


def setup(app):
    app.connect("html-page-context", _fix_page_body)
    # Late: after the theme has put generate_toctree_html into the context.
    app.connect("html-page-context", _label_navigation_toggles, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
