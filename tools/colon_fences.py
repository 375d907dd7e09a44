"""Write the MyST directives of the chapter notebooks as colon fences.

A directive written with backticks::

    ```{prf:theorem} Title
    :label: thm-x
    Text with $math$.
    ```

shows as a grey code block with raw ``$math$`` in plain Jupyter, JupyterLab
and Colab, which render notebook markdown but not MyST. Written as a colon
fence (``:::{prf:theorem} Title`` ... ``:::``, enabled by ``colon_fence`` in
``_config.yml``), Jupyter Book builds the same page, and the other front ends
show the fence lines as short text lines and the body as ordinary markdown,
math rendered. The instructor guide explains the choice.

Only directives whose body is markdown are converted (``prf:*``,
``exercise``, ``solution``, the admonitions...); code fences and directives
whose body is code or raw text (``{code-cell}``, ``{math}``, ``{eval-rst}``...)
keep their backticks, and nothing inside a code fence is touched. A directive
nested in a converted one is converted too; the outer fence gets more colons
than any fence inside it, as MyST requires.

Usage (from the repository root)::

    python tools/colon_fences.py                 # every notebooks/*.ipynb
    python tools/colon_fences.py path/to/a.ipynb ...
    python tools/colon_fences.py --check         # exit 1 if a backtick directive is left

Idempotent: a notebook without backtick directives is left byte for byte as
it is.
"""

import argparse
import re
import sys

import notebook_io

# A CommonMark fence: up to three spaces, then three or more backticks or
# tildes, then the info string (for backticks, without backticks).
_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[A-Za-z][\w:.-]*)\}")

#: Directives whose body is markdown, so that reading it as plain markdown is
#: right. Anything else (a code or raw body) keeps its backtick fence.
MARKDOWN_BODY = {
    "exercise",
    "solution",
    "admonition",
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "seealso",
    "tip",
    "warning",
    "margin",
    "sidebar",
    "topic",
    "epigraph",
    "dropdown",
    "card",
    "div",
}


def is_markdown_directive(info):
    match = _DIRECTIVE.match(info.strip())
    if not match:
        return False
    name = match.group("name")
    return name in MARKDOWN_BODY or name.startswith("prf:")


def _closes(line, fence):
    """Whether ``line`` closes a fence opened with ``fence``."""
    stripped = line.strip()
    indent = len(line) - len(line.lstrip(" "))
    return indent <= 3 and len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _scan(lines):
    """Split ``lines`` into text lines and fenced blocks.

    Items are ("text", line) and ("fence", open_line, body, close_line or
    None), following CommonMark's fence rules.
    """
    items, i = [], 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        # CommonMark: a backtick in a backtick fence's info string means the
        # line is no fence, so "```{prf:theorem} ... {cite}`key`" renders as a
        # paragraph and its closing ``` opens a code block that swallows what
        # follows. It is meant as a directive: treat it as one (a colon
        # fence may carry backticks in its title), which repairs the page.
        if not match or (
            match.group("fence")[0] == "`"
            and "`" in match.group("info")
            and not is_markdown_directive(match.group("info"))
        ):
            items.append(("text", lines[i]))
            i += 1
            continue
        fence = match.group("fence")
        j = i + 1
        while j < len(lines) and not _closes(lines[j], fence):
            j += 1
        closing = lines[j] if j < len(lines) else None
        items.append(("fence", match, lines[i + 1 : j], closing))
        i = j + 1
    return items


def convert_lines(lines):
    """Return (converted lines, colons of the widest colon fence in them)."""
    out, widest = [], 0
    for item in _scan(lines):
        if item[0] == "text":
            out.append(item[1])
            # A colon fence written by hand: the outer fence must exceed it.
            stripped = item[1].lstrip(" ")
            if stripped.startswith(":::"):
                widest = max(widest, len(stripped) - len(stripped.lstrip(":")))
            continue
        _, match, body, closing = item
        info = match.group("info")
        if match.group("fence")[0] != "`" or not is_markdown_directive(info) or closing is None:
            out.append(match.string)
            out.extend(body)
            if closing is not None:
                out.append(closing)
            continue
        body, inner = convert_lines(body)
        colons = ":" * max(3, inner + 1)
        indent = match.group("indent")
        out.append(f"{indent}{colons}{info.strip()}")
        out.extend(body)
        out.append(f"{indent}{colons}")
        widest = max(widest, len(colons))
    return out, widest


def convert_markdown(text):
    lines, _ = convert_lines(text.split("\n"))
    return "\n".join(lines)


def backtick_directives(text):
    """Return the info strings of backtick directives with a markdown body.

    Those left in ``text``, at the top level and nested.
    """
    found = []
    for item in _scan(text.split("\n")):
        if item[0] != "fence":
            continue
        _, match, body, _ = item
        if match.group("fence")[0] == "`" and is_markdown_directive(match.group("info")):
            found.append(match.group("info").strip())
        elif match.group("fence")[0] == "`":
            continue  # a code block: its content is not markdown
        found.extend(backtick_directives("\n".join(body)))
    return found


def convert_notebook(notebook):
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = notebook_io.source(cell)
        converted = convert_markdown(text)
        if converted != text:
            notebook_io.set_source(cell, converted)
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a backtick directive is left",
    )
    args = parser.parse_args(argv)
    left = {}
    for path in notebook_io.chapter_paths(args.notebooks):
        notebook = notebook_io.read(path)
        if args.check:
            found = [
                info
                for cell in notebook["cells"]
                if cell["cell_type"] == "markdown"
                for info in backtick_directives(notebook_io.source(cell))
            ]
            if found:
                left[str(path)] = found
            continue
        if notebook_io.write(path, convert_notebook(notebook)):
            print(f"{path}: directives written as colon fences")
    if left:
        for path, found in left.items():
            print(f"{path}: {len(found)} backtick directives, e.g. {found[0]}")
        print("run: python tools/colon_fences.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
