"""A small Sphinx extension for glassgrad's docs (loaded from ``conf.py``).

1. ``reset_glassgrad``: sphinx-gallery calls it before each chapter (callables are named as
   "module.name" in the gallery config).
2. Docstrings are written to be read as plain text (``help()`` in a terminal is where learners
   read them first): formulas such as ``|t − a|``, ``(N, *shape)`` or attribute names such as
   ``data_min_`` are not reStructuredText markup. ``plain_text_markup`` escapes exactly those three
   characters (``|``, a ``*`` that opens no emphasis, a trailing ``_``) outside literals, roles and
   literal blocks, after napoleon has turned ``Args:``/``Returns:`` into fields. Everything else
   (``literals``, ``:func:`` roles, ``**bold**``, ``::`` blocks, doctests) stays reST, and any other
   markup error still fails the ``-W`` build.
"""

from __future__ import annotations

import re
from pathlib import Path

import glassgrad


def reset_glassgrad(gallery_conf, fname):
    """Every chapter starts from the defaults: float32, seed 0 (a chapter may change both)."""
    glassgrad.set_default_dtype(glassgrad.float32)
    glassgrad.manual_seed(0)


_SHOWN: dict = {"src": None, "figures": []}


def glassgrad_figures(block, block_vars, gallery_conf):
    """sphinx-gallery image scraper for figures made without pyplot (all of ``glassgrad.viz``).

    matplotlib's own scraper only sees pyplot's figures; ``viz`` returns plain ``Figure``
    objects (nothing kept globally). This one saves each such Figure that a block left in the
    chapter's namespace, once.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    if _SHOWN["src"] != block_vars["src_file"]:
        _SHOWN["src"], _SHOWN["figures"] = block_vars["src_file"], []
    paths = []
    for value in list(block_vars["example_globals"].values()):
        # NOTE: a pyplot figure has a number (kept after plt.close); matplotlib's scraper saved
        # and closed it already, and without this check it was shown twice.
        if (isinstance(value, Figure) and getattr(value.canvas, "manager", None) is None
                and getattr(value, "number", None) is None
                and not any(value is f for f in _SHOWN["figures"])):
            _SHOWN["figures"].append(value)
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=100)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


# ``literal``, :role:`target`, `interpreted`_ and well-formed *emphasis* / **strong** are kept.
_KEEP = re.compile(r"``.+?``|:[\w:+-]+:`[^`]*`|`[^`]+`_{0,2}"
                   r"|(?<![\w*\\])\*\*?(?=[^\s*])[^*]*?[^\s\\*]\*\*?(?![\w*])")
_LITERAL_DIRECTIVE = re.compile(
    r"\.\. (code|code-block|sourcecode|math|doctest|testcode|testoutput|raw|literalinclude"
    r"|highlight|parsed-literal|csv-table|list-table|table)::")
_BULLET = re.compile(r"^\s*[-*+] ")
_ENUMERATED = re.compile(r"^(\d+|#|[a-z])[.)] ")
_STAR = re.compile(r"(?<!\\)\*")
_PIPE = re.compile(r"(?<!\\)\|")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[^\w]|$)")


def _escape(text: str) -> str:
    text = _PIPE.sub(r"\\|", text)
    text = _STAR.sub(r"\\*", text)
    return _TRAILING_UNDERSCORE.sub(r"\\_", text)


def escape_line(line: str) -> str:
    """``line`` with plain-text ``|``, ``*`` and ``name_`` escaped outside kept spans."""
    bullet = _BULLET.match(line)
    head = bullet.group(0) if bullet else ""
    line = line[len(head):]
    out, pos = [head], 0
    for m in _KEEP.finditer(line):
        out.append(_escape(line[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
        if m.group(0).startswith("``") and line[pos:pos + 1].isalnum():
            out.append("\\ ")                      # ``Table``s -> ``Table``\ s
    out.append(_escape(line[pos:]))
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _plain_paragraph(line: str) -> bool:
    """A line that starts an ordinary paragraph (no list item, field, directive or ``::``)."""
    s = line.strip()
    return not (_BULLET.match(line) or _ENUMERATED.match(s) or s.startswith((":", "..", ">>>"))
                or s.endswith("::"))


def plain_text_markup(app, what, name, obj, options, lines):
    """autodoc-process-docstring handler: make a plain-text docstring valid reST, in place.

    Besides escaping, an indented block after a blank line under an ordinary paragraph is code
    in a plain-text docstring (``help()`` shows it so): it becomes a literal block (``::``), and
    so does an indented block right under a line ending in ``:`` ("Backward:" + formulas).
    """
    out: list[str] = []
    literal_indent = None     # inside a literal block: the indent of the line that opened it
    doctest = False
    para_first = None         # index in out of the current paragraph's first line
    prev_blank = True
    for line in lines:
        stripped = line.strip()
        if literal_indent is not None:
            if not stripped or _indent(line) > literal_indent:
                out.append(line)
                continue
            literal_indent = None
            if out and out[-1].strip():
                out.append("")                      # a literal block ends at a blank line
                prev_blank = True
        if doctest:
            out.append(line)
            doctest = bool(stripped)
            continue
        if not stripped:
            out.append(line)
            prev_blank = True
            continue
        if stripped.startswith(">>>"):
            doctest = True
            out.append(line)
            continue
        if (prev_blank and para_first is not None and _plain_paragraph(out[para_first])
                and _indent(line) > _indent(out[para_first])):
            last = max(i for i, x in enumerate(out) if x.strip())
            out[last] = out[last] + " ::"           # "text ::" renders as "text" + code block
            literal_indent = _indent(out[para_first])
            out.append(line)
            continue
        if (not prev_blank and para_first is not None and _plain_paragraph(out[para_first])
                and out[-1].rstrip().endswith(":") and _indent(line) > _indent(out[-1])):
            # "Backward:" + indented lines with no blank line between (help() layout) would
            # be a reST definition list: it is a code block, as "Backward::" + a blank line.
            out[-1] = out[-1].rstrip() + ":"
            literal_indent = _indent(out[-1])
            out.extend(["", line])
            continue
        if prev_blank or para_first is None:
            para_first = len(out)
        prev_blank = False
        if stripped.startswith(".. "):
            if _LITERAL_DIRECTIVE.match(stripped):
                literal_indent = _indent(line)     # code and maths are left as written
            out.append(line)                        # a directive line itself is markup
            continue
        if stripped.startswith(("====", "+--", "----")):
            out.append(line)                        # table rules and section underlines
            continue
        out.append(escape_line(line))
        if stripped.endswith("::"):
            literal_indent = _indent(line)
    lines[:] = out


# Chapter 10 is made of the how-to guides on these topics, listed as they land in docs/howto/.
SCALE_OUT_GUIDES = [
    ("distributed", "Data-parallel training on MPI"),
    ("gpu", "Training on a GPU"),
    ("hyperparameter_search", "Hyperparameter search on many workers"),
    ("onnx", "Exporting to ONNX and importing back"),
    ("live_view", "Watching a run live"),
]
_MARKER = "<!-- glassgrad:scale-out-guides -->"


def _title(path: Path, default: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return default


def scale_out_guides(app, docname, source):
    """source-read handler: fill chapter 10's list with the guides present in this checkout."""
    if _MARKER not in source[0]:
        return
    howto = Path(app.srcdir) / "howto"
    lines = []
    for stem, topic in SCALE_OUT_GUIDES:
        page = howto / f"{stem}.md"
        if page.exists():
            lines.append(f"- {topic}: [{_title(page, topic)}](../howto/{stem}.md)")
        else:
            lines.append(f"- {topic}: not part of this version yet.")
    source[0] = source[0].replace(_MARKER, "\n".join(lines))


def _always_reread_ch10(app, env, added, changed, removed):
    return ["course/ch10_scale_out"] if "course/ch10_scale_out" in env.found_docs else []


def setup(app):
    app.connect("source-read", scale_out_guides)
    app.connect("env-get-outdated", _always_reread_ch10)
    # napoleon (priority 500) first: it reads "Args:" sections and escapes *args itself.
    app.connect("autodoc-process-docstring", plain_text_markup, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
