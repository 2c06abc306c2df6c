extensions = ["peacekb.sphinxext"]
peacekb_data_dir = "data"
exclude_patterns = ["_build", "data"]
html_theme = "basic"
