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
"""

from __future__ import annotations

import re

# The start tag of a docutils citation entry, whatever the order of its attributes.
_BIBLIOENTRY = re.compile(r'(<div\b[^>]*?\brole=")doc-biblioentry(")')


def replace_deprecated_roles(html: str) -> str:
    """Return ``html`` with ``role="doc-biblioentry"`` replaced by ``role="listitem"``."""
    return _BIBLIOENTRY.sub(r"\1listitem\2", html)


def _fix_page_body(app, pagename, templatename, context, doctree):
    if "body" in context:
        context["body"] = replace_deprecated_roles(context["body"])


def setup(app):
    app.connect("html-page-context", _fix_page_body)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
