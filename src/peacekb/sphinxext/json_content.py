"""The content of the extension's directives that take JSON (record text never parsed as MyST)."""

from __future__ import annotations

import json
from typing import Any

from sphinx.util.docutils import SphinxDirective


def json_content(directive: SphinxDirective, text: str) -> Any:
    """``text`` read as JSON; anything else is an error located at the directive, never a
    crash (deeply nested JSON exhausts the recursion)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise directive.error(f"{directive.name} content is not JSON: {exc}") from None
    except RecursionError:
        raise directive.error(f"{directive.name} content is nested too deeply") from None
