"""python -m gradexplorer: the command line (see gradexplorer.cli)."""

from gradexplorer.cli import main

raise SystemExit(main())
