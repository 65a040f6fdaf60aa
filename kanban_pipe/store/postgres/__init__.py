"""The team-server engine: a pipeline in a PostgreSQL database, through psycopg 3.

Imported only when `--db` is a `postgresql://` URL, so file users never load psycopg.
"""

from kanban_pipe.store.postgres.setup import open_server

__all__ = ["open_server"]
