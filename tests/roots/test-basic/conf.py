extensions = ["myst_parser", "sphinx_design", "peacekb.sphinxext"]
peacekb_data_dir = "data"
myst_enable_extensions = ["colon_fence", "attrs_block", "attrs_inline"]
smartquotes = False
exclude_patterns = ["_build", "data", "_generated/*.inc.md"]
html_theme = "basic"
