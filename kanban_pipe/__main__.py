"""Entry point for `python -m kanban_pipe`."""

from kanban_pipe.cli import main

raise SystemExit(main())
