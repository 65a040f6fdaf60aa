"""The `kanban-pipe` command line: parser, one module per group of commands, output helpers.

`main` is the console script's entry point (see `run`).
"""

from kanban_pipe.cli.run import main

__all__ = ["main"]
