"""The page: one HTML template, one script and one style sheet shipped in the package
(``glassgrad/live/assets/``, package data), used by both the live view (assets by URL) and the
static report (everything inline, opens with no network)."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources

ASSETS = ("page.html", "draw.js", "app.js", "app.css")
SCRIPTS = ("draw.js", "app.js")  # in this order


@cache
def asset(name: str) -> str:
    """The text of a shipped asset (a fixed set of names; anything else is a KeyError)."""
    if name not in ASSETS:
        raise KeyError(name)
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def embed_json(obj) -> str:
    """JSON safe inside ``<script type="application/json">``: ``<`` escaped as ``\\u003c``, so
    no ``</script>`` or ``<!--`` in the data can end the element."""
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029",
                                                                            "\\u2029")


def render_page(mode: str, data, title: str) -> str:
    """The page for ``mode`` "live" (script and styles by URL; data from the server) or
    "report" (everything inline, ``data`` embedded)."""
    if mode == "live":
        parts = {"style": '<link rel="stylesheet" href="app.css">',
                 "script": "".join(f'<script src="{n}"></script>' for n in SCRIPTS),
                 "data": "null"}
    else:
        script = "\n".join(asset(n) for n in SCRIPTS).replace("</script", "<\\/script")
        parts = {"style": f"<style>\n{asset('app.css')}\n</style>",
                 "script": f"<script>\n{script}\n</script>", "data": embed_json(data)}
    parts.update(mode=mode, title=html.escape(title))
    # NOTE: one pass, so text inside the data can never be taken for another placeholder
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], asset("page.html"))
