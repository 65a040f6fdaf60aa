"""Store side of import and export: validated deals matched, then written in bulk."""

from kanban_pipe.store.transfer.batch import (
    COLUMN_DEFAULTS,
    IMPORT_COLUMNS,
    OWN_SYSTEM,
    ImportBatch,
    ImportOutcome,
    plan_outcome,
)
from kanban_pipe.store.transfer.write import activities_by_deal, preview_import, write_import

__all__ = [
    "COLUMN_DEFAULTS", "IMPORT_COLUMNS", "OWN_SYSTEM", "ImportBatch", "ImportOutcome",
    "activities_by_deal", "plan_outcome", "preview_import", "write_import",
]
