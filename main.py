"""Launch the gradexplorer desktop app: python main.py [EXPR] [--x X] [--param NAME=VALUE ...]
[--screenshot PATH]."""

import sys

from gradexplorer.ui.app import run

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
