"""Pure pipeline rules and values: no Textual, no SQLite, no clock."""
