"""Where the file lives: shared group folders get group-writable files; network disks a warning."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kanban_pipe.cli import main
from kanban_pipe.store import filesystem, open_store
from kanban_pipe.store.filesystem import filesystem_type, network_warning

MOUNTS = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
40 27 0:50 / /srv/team rw,relatime shared:5 - nfs4 files:/export/team rw,vers=4.2
41 40 0:51 / /srv/team/local\\040disk rw - ext4 /dev/vdb rw
42 27 0:52 / /mnt/share rw - cifs //nas/sales rw
"""


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The umask most logins have, which takes the group's write bit away."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(folder: Path, name: str) -> dict[str, int]:
    return {
        suffix: stat.S_IMODE((folder / f"{name}{suffix}").stat().st_mode)
        for suffix in ("", "-wal", "-shm")
    }


def test_new_file_in_a_setgid_folder_is_group_writable_with_its_companions(
        tmp_path: Path, umask_022: None) -> None:
    team = tmp_path / "team"
    team.mkdir()
    team.chmod(0o2775)
    store = open_store(str(team / "pipe.db"), user="anna")
    try:
        store.add_deal("Acme")  # the -wal and -shm exist while the store is open
        found = modes(team, "pipe.db")
    finally:
        store.close()
    assert all(mode & 0o060 == 0o060 for mode in found.values()), found
    assert (team / "pipe.db").stat().st_gid == team.stat().st_gid


def test_an_ordinary_folder_keeps_the_umask(tmp_path: Path, umask_022: None) -> None:
    store = open_store(str(tmp_path / "mine.db"), user="anna")
    try:
        store.add_deal("Acme")
        found = modes(tmp_path, "mine.db")
    finally:
        store.close()
    assert set(found.values()) == {0o644}


def test_filesystem_type_takes_the_deepest_mount_and_unescapes_paths() -> None:
    assert filesystem_type("/srv/team/pipe.db", MOUNTS) == "nfs4"
    assert filesystem_type("/srv/team/local disk/pipe.db", MOUNTS) == "ext4"
    assert filesystem_type("/srv/teamwork/pipe.db", MOUNTS) == "ext4"
    assert filesystem_type("/mnt/share", MOUNTS) == "cifs"
    assert filesystem_type("/anything", "garbage line\n") == ""


def test_network_warning_names_the_filesystem_and_what_to_do() -> None:
    warning = network_warning("/srv/team/pipe.db", MOUNTS)
    assert warning.startswith("pipe.db is on a network filesystem (nfs4)")
    assert "keep the pipeline on a local disk" in warning
    assert network_warning("/mnt/share/pipe.db", MOUNTS).count("(cifs)") == 1
    assert network_warning("/home/anna/pipe.db", MOUNTS) == ""


@pytest.fixture
def on_nfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make this process's mount table say that tmp_path is an NFS mount."""
    table = tmp_path / "mountinfo"
    table.write_text(f"{MOUNTS}50 27 0:60 / {tmp_path} rw - nfs4 nas:/x rw\n")
    monkeypatch.setattr(filesystem, "MOUNTINFO", str(table))
    return tmp_path


def test_a_pipeline_on_nfs_warns_on_stderr_and_still_works(
        on_nfs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(on_nfs / "pipe.db")
    assert main(["--db", db, "--user", "anna", "add", "Acme"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "1\n"
    assert captured.err == (
        "kanban-pipe: warning: pipe.db is on a network filesystem (nfs4), where SQLite's "
        "locking cannot be trusted and simultaneous saves can damage it; keep the pipeline "
        "on a local disk of the team host\n")
    store = open_store(db, user="anna")
    try:
        assert "(nfs4)" in store.location_warning
        assert [d.title for d in store.list_deals()] == ["Acme"]
    finally:
        store.close()


def test_a_local_pipeline_has_no_warning(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "pipe.db"), user="anna")
    try:
        assert store.location_warning == ""
    finally:
        store.close()
