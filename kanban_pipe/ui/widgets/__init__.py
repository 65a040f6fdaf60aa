"""Reusable board widgets: stage columns and deal cards."""
