"""The README's generated sections: the command reference and the key reference.

The command reference is the CLI's own `--help` text (the top level and every subcommand,
from `cli.build_parser()`); the key reference is a Markdown table built from the board's
bindings (`BOARD_BINDINGS`) with their long descriptions (`KEY_HELP`), plus review mode's.
Each sits in README.md between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers.
`python -m kanban_pipe.docs [README]` rewrites them in place; a test checks they are current.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from kanban_pipe.cli.parser import build_parser
from kanban_pipe.domain.review import Queue

HELP_WIDTH = 92  # fixed, so the text does not depend on the terminal it was made in

# How keys are written in the key table (Textual's names → what is on the keyboard).
_KEY_NAMES = {
    "left": "←", "right": "→", "up": "↑", "down": "↓",
    "shift+right": "shift+→", "shift+left": "shift+←",
    "greater_than_sign": ">", "less_than_sign": "<", "question_mark": "?", "slash": "/",
    "escape": "esc", "space": "space",
}


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.HelpFormatter(prog, width=HELP_WIDTH)


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parser and every subcommand's parser, depth first, in the order they were added."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for child in action.choices.values():
                if id(child) not in seen:  # aliases share a parser
                    seen.add(id(child))
                    yield from _parsers(child)


def command_reference() -> str:
    """Every command's `--help`, as Markdown: a heading and a text block per command."""
    parts: list[str] = []
    for parser in _parsers(build_parser()):
        parser.formatter_class = _formatter
        text = parser.format_help().rstrip()
        parts.append(f"#### `{parser.prog}`\n\n```text\n{text}\n```")
    return "\n\n".join(parts)


def _keys(spec: str) -> str:
    return ", ".join(f"`{_KEY_NAMES.get(key.strip(), key.strip())}`"
                     for key in spec.split(","))


def _key_rows(bindings: list, words: Callable[[str], str | None]) -> list[tuple[str, str]]:
    from textual.binding import Binding

    rows: list[tuple[str, str]] = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        if binding.action.startswith("move_to_stage("):
            if binding.action == "move_to_stage(1)":
                rows.append(("`1`–`9`", words("move_to_stage") or binding.description))
            continue
        if binding.action.startswith("jump_queue("):
            if binding.action == "jump_queue(1)":
                rows.append((f"`1`–`{len(Queue)}`", words("jump_queue") or binding.description))
            continue
        rows.append((_keys(binding.key), words(binding.action) or binding.description))
    return rows


def _table(rows: list[tuple[str, str]]) -> str:
    lines = ["| key | action |", "|---|---|"]
    lines += [f"| {keys} | {text.replace('|', '/')} |" for keys, text in rows]
    return "\n".join(lines)


def key_reference() -> str:
    """The board's keys and review mode's, as Markdown tables, from the bindings."""
    from kanban_pipe.ui.screens.board import BOARD_BINDINGS
    from kanban_pipe.ui.screens.board_keys import KEY_HELP
    from kanban_pipe.ui.screens.review import _REVIEW_HELP, REVIEW_BINDINGS

    # "this help" reads well on the help screen, not in the README.
    words = {**KEY_HELP, "help": "help: every key and the highlight legend"}
    board = _key_rows(BOARD_BINDINGS, words.get)
    board.append(("`ctrl+p`", "command palette: every action by name"))
    review = _key_rows(REVIEW_BINDINGS,
                       lambda action: _REVIEW_HELP.get(action) or words.get(action))
    return (f"On the board:\n\n{_table(board)}\n\n"
            f"In review mode (`r`):\n\n{_table(review)}")


SECTIONS: dict[str, Callable[[], str]] = {
    "commands": command_reference,
    "keys": key_reference,
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name}:start -->\n)(.*?)(<!-- {name}:end -->)", re.DOTALL)


def generated_section(text: str, name: str) -> str:
    """What README `text` holds between the markers of section `name`."""
    found = _pattern(name).search(text)
    if found is None:
        raise ValueError(f"no <!-- {name}:start --> ... <!-- {name}:end --> markers")
    return found.group(2)


def _replace(match: re.Match[str], *, body: str) -> str:
    return match.group(1) + body + match.group(3)


def render(text: str) -> str:
    """`text` with every generated section replaced by what the code renders now."""
    for name, make in SECTIONS.items():
        body = make() + "\n"
        generated_section(text, name)  # the markers must be there
        text = _pattern(name).sub(partial(_replace, body=body), text)
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated sections of README.md (or the file given) in place."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old)
    if new != old:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} is current")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
