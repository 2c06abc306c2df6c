"""The content of the extension's directives that take JSON (record text never parsed as MyST),
and the links they make."""

from __future__ import annotations

import json
from typing import Any

from docutils import nodes
from sphinx import addnodes
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


def xref(
    directive: SphinxDirective, kind: str, target: str, line: int | None = None
) -> addnodes.pending_xref:
    """A link as the domain's role ``{kb:<kind>}`target``` makes it (see
    :class:`.domain.RecordRole`): the pending reference holds the id as text until resolved."""
    node: addnodes.pending_xref = addnodes.pending_xref(
        f"{{kb:{kind}}}`{target}`",
        refdoc=directive.env.current_document.docname,
        refdomain="kb",
        reftype=kind,
        refexplicit=False,
        refwarn=True,
        reftarget=target,
    )
    directive.set_source_info(node)
    if line is not None:
        node.line = line
    node += nodes.Text(target)
    return node
