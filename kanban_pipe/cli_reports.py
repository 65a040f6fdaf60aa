"""Command-line commands for reports (registered into the main parser by cli.build_parser)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add this module's commands to the parser's subcommand group."""
