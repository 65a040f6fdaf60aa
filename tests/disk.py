"""A small disk of the tests' own (a tmpfs), and a filler to make it full."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, unmounted afterwards."""
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command here")
    folder = tmp_path / "small-disk"
    folder.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                          capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root or CAP_SYS_ADMIN; uid "
                    f"{os.geteuid()}): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        undone = subprocess.run(["umount", str(folder)], capture_output=True, text=True,
                                timeout=30, check=False)
        if undone.returncode != 0:  # something still holds it: detach it anyway
            subprocess.run(["umount", "-l", str(folder)], timeout=30, check=False)


def fill(folder: Path, leave: int) -> Path:
    """Write a filler file until the disk is full, then give back `leave` bytes."""
    filler = folder / "filler"
    handle = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for chunk in (65536, 4096, 512):
            block = b"\0" * chunk
            while True:
                try:
                    os.write(handle, block)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
        os.ftruncate(handle, max(0, os.fstat(handle).st_size - leave))
    finally:
        os.close(handle)
    return filler
