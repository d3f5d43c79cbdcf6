"""Not code: this folder is installed as the package ``gradexplorer.assets`` (see
pyproject.toml), so that gradexplorer.resources finds the lessons and the icon with
importlib.resources in a wheel and in a checkout alike. Keep it empty."""
