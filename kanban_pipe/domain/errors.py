"""Domain errors: every failure a user can cause or meet, with text fit to show them."""

from __future__ import annotations


class KanbanPipeError(Exception):
    """Base of every error kanban-pipe reports to the user in one line."""


class InvalidInputError(KanbanPipeError):
    """User input that cannot be read (a bad date, amount, empty title, ...)."""


class NotFoundError(KanbanPipeError):
    """A deal or stage that does not exist."""


class InvalidStageError(KanbanPipeError):
    """A stage key or move that the pipeline does not allow."""


class ConflictError(KanbanPipeError):
    """A save based on a deal version that someone else has changed since."""


class StaleVersionError(ConflictError):
    """Someone saved the deal after it was read: nothing was saved, doing it again may work.

    The message says what they did; each front end says how to do it again (the board's
    card shows the deal as it is now, so the key; the command line, the command).
    """


class NothingToUndoError(KanbanPipeError):
    """Undo asked for when the user has no change left to undo."""


class StorageError(KanbanPipeError):
    """A problem with the database file itself."""


class DatabaseBusyError(StorageError):
    """The database stayed locked by other writers past the retries."""


class ReadOnlyError(StorageError):
    """The database file or its directory cannot be written."""


class DiskFullError(StorageError):
    """The disk is full: the change was not saved."""


class NotAPipelineError(StorageError):
    """The file is not a kanban-pipe database (another SQLite file, or not SQLite)."""


class NewerSchemaError(StorageError):
    """The file was written by a newer kanban-pipe than this one."""


class DamagedDatabaseError(StorageError):
    """The file is damaged (fails SQLite's integrity check)."""


class ServerUnavailableError(StorageError):
    """The pipeline's database server cannot be reached (down, restarting, no network)."""
