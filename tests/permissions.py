"""Run a child process that file permissions apply to, even when the tests run as root."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest

# Root ignores permission bits through these two capabilities; without them a root-owned
# read-only file or folder is read-only for the child too.
_CAPS = "-dac_override,-dac_read_search"


@functools.cache
def _prefix() -> tuple[str, ...] | str:
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return "running as root and setpriv (util-linux) is not installed"
    command = (setpriv, f"--bounding-set={_CAPS}", f"--inh-caps={_CAPS}")
    probe = subprocess.run([*command, "true"], capture_output=True, timeout=30, check=False)
    if probe.returncode != 0:
        return f"running as root and setpriv cannot drop capabilities: {probe.stderr!r}"
    return command


def ordinary_user() -> list[str]:
    """The command prefix that runs a child without root's permission override.

    Skips the calling test (with the reason) where no such child can be made.
    """
    prefix = _prefix()
    if isinstance(prefix, str):
        pytest.skip(prefix)
    return list(prefix)
