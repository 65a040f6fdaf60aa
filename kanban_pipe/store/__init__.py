"""The pipeline store on SQLite via sqlite-utils: open, migrate, deal verbs and queries."""

from kanban_pipe.store.pipeline import PipelineStore, open_store
from kanban_pipe.store.queries import BoardFilter, CardOrder, StageSum

__all__ = ["BoardFilter", "CardOrder", "PipelineStore", "StageSum", "open_store"]
