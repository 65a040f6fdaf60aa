"""CSV / JSON import and export, backup and check of a pipeline file (domain + store, no UI)."""
