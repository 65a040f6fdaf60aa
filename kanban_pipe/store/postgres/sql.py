"""The store's SQL, written with SQLite's placeholders, in psycopg's.

The shared SQL uses `?`, `?NNN` and `:name`, as sqlite3 binds them; psycopg binds `%s`
and `%(name)s`. Only our own statements pass through here (user text is always a bound
parameter), so a small scanner that skips quoted text and comments is exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=2048)
def translate(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """psycopg's text of `sql`, and the parameter names when it numbers or names them.

    None as names: the statement only has plain `?` (bind the sequence as is). A plain
    `?` after `?N` is number N + 1, as in SQLite.
    """
    parts: list[str | tuple[str]] = []  # text, or (parameter name,)
    numbered = False
    highest = 0
    i, size = 0, len(sql)
    while i < size:
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while end < size:
                if sql[end] == char:
                    if end + 1 < size and sql[end + 1] == char:  # '' inside a literal
                        end += 2
                        continue
                    break
                end += 1
            parts.append(sql[i:end + 1].replace("%", "%%"))
            i = end + 1
        elif char == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = size if end < 0 else end
            parts.append(sql[i:end].replace("%", "%%"))
            i = end
        elif char == "%":
            parts.append("%%")
            i += 1
        elif char == "?":
            j = i + 1
            while j < size and sql[j].isdigit():
                j += 1
            number = int(sql[i + 1:j]) if j > i + 1 else highest + 1
            numbered = numbered or j > i + 1
            highest = max(highest, number)
            parts.append((f"p{number}",))
            i = j
        elif char == ":" and sql.startswith("::", i):  # a PostgreSQL cast
            parts.append("::")
            i += 2
        elif char == ":" and i + 1 < size and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            j = i + 1
            while j < size and (sql[j].isalnum() or sql[j] == "_"):
                j += 1
            parts.append((sql[i + 1:j],))
            numbered = True
            i = j
        else:
            j = i + 1
            while j < size and sql[j] not in "'\"-%?:":
                j += 1
            parts.append(sql[i:j])
            i = j
    if not numbered:
        return "".join(p if isinstance(p, str) else "%s" for p in parts), None
    names = tuple(p[0] for p in parts if not isinstance(p, str))
    return "".join(p if isinstance(p, str) else f"%({p[0]})s" for p in parts), names


def bind(names: tuple[str, ...] | None, params: Sequence[Any] | Mapping[str, Any]
         ) -> Sequence[Any] | Mapping[str, Any]:
    """The parameters in the shape translate()'s text wants."""
    if names is None or isinstance(params, Mapping):
        return params
    return {f"p{index}": value for index, value in enumerate(params, 1)}
