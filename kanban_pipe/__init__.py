"""kanban-pipe: a terminal kanban board for a sales pipeline."""

__version__ = "0.1.0"
