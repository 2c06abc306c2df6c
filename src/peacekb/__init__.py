"""peacekb: a source-backed knowledge base rendered with Sphinx.

The engine knows nothing of its subject: records are read from a data folder
(:mod:`peacekb.loader`), checked as a whole (:mod:`peacekb.knowledge`), rendered to MyST pages
(:mod:`peacekb.pages`) and wired into Sphinx (:mod:`peacekb.sphinxext`).
"""

__version__ = "0.1.0"
