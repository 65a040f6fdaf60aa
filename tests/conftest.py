"""Fixtures every test folder may use."""

from tests.disk import small_disk

__all__ = ["small_disk"]
