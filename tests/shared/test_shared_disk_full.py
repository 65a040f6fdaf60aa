"""A full disk: a save is refused with a clear message, nothing is lost, and it works later.

The pipeline lives on a small tmpfs mounted for the test (needs root or CAP_SYS_ADMIN;
skipped, with the reason, where mounting is not allowed). A filler file takes the space;
a save through the store and one through the command fail with DiskFullError, as does
an import too big for the room left; the file stays as it was (and passes `check`),
reads keep working, and once the filler is gone the same saves and import succeed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kanban_pipe.domain.errors import DiskFullError
from kanban_pipe.store import open_store
from tests.disk import fill
from tests.shared.conftest import demo_pipeline, rows


def table_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows(path, f"SELECT * FROM {table} ORDER BY rowid")
            for table in ("deals", "activities", "stages", "settings")}


def test_full_disk_refuses_the_save_keeps_the_file_and_recovers(small_disk: Path,
                                                                run_process) -> None:
    path = demo_pipeline(small_disk / "pipe.db", deals=100)
    store = open_store(str(path), user="anna")  # its -wal and -shm exist from here on
    try:
        before = table_rows(path)
        open_before = len(store.list_deals())
        filler = fill(small_disk, leave=8192)  # room for a page or two, not a whole save

        with pytest.raises(DiskFullError) as caught:
            store.add_deal("Written on a full disk", value=100)
        message = str(caught.value)
        assert "disk" in message and "full" in message and "pipe.db" in message
        assert "\n" not in message

        # The command says the same in one line, and changes nothing either.
        done = run_process("--db", str(path), "--user", "erik", "add", "From the shell")
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith("kanban-pipe: error: ") and done.stderr.count("\n") == 1
        assert "full" in done.stderr and "pipe.db" in done.stderr
        assert "Traceback" not in done.stderr

        assert table_rows(path) == before

        # With some room back, an import too big for it is refused whole.
        with open(filler, "r+b") as handle:
            handle.truncate(max(0, filler.stat().st_size - 256 * 1024))
        csv = small_disk.parent / "deals.csv"
        csv.write_text("Deal Name,Amount\n" + "".join(
            f"Imported deal {i},{i}00\n" for i in range(2000)))
        imported = run_process("--db", str(path), "--user", "erik", "import", str(csv))
        assert imported.returncode == 1 and imported.stdout == ""
        assert imported.stderr.count("\n") == 1 and "full" in imported.stderr

        assert table_rows(path) == before
        assert len(store.list_deals()) == open_before  # reading still works
        assert store.get_deal(1).id == 1
        checked = run_process("--db", str(path), "check")
        assert (checked.returncode, checked.stderr) == (0, ""), checked.stderr
        assert f"deals:          {len(before['deals']):,}" in checked.stdout

        filler.unlink()  # space again: the very same saves go through
        added = store.add_deal("Written on a full disk", value=100)
        assert added.title == "Written on a full disk"
        done = run_process("--db", str(path), "--user", "erik", "add", "From the shell")
        assert (done.returncode, done.stderr) == (0, "")
        assert int(done.stdout) == added.id + 1
        imported = run_process("--db", str(path), "--user", "erik", "import", str(csv))
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.startswith("imported deals.csv: 2,000 new deals")
    finally:
        store.close()
    after = table_rows(path)
    assert after["deals"][:len(before["deals"])] == before["deals"]
    assert [row[1] for row in after["deals"][len(before["deals"]):]] == [
        "Written on a full disk", "From the shell", *(f"Imported deal {i}" for i in range(2000))]
    assert len(after["activities"]) == len(before["activities"]) + 2 + 2000
    checked = run_process("--db", str(path), "check")
    assert checked.returncode == 0, checked.stderr


def test_backup_onto_a_full_disk_names_that_disk(small_disk: Path, tmp_path: Path,
                                                 run_process) -> None:
    source = demo_pipeline(tmp_path / "pipe.db", deals=1000)  # ~2 MB: more than is left
    before = source.read_bytes()
    filler = fill(small_disk, leave=256 * 1024)
    target = small_disk / "copy.db"
    done = run_process("--db", str(source), "backup", str(target))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"kanban-pipe: error: the disk holding {target} is full: "
                           "no backup was written\n")
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]  # no half copy
    assert source.read_bytes() == before
    filler.unlink()
    done = run_process("--db", str(source), "backup", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {source} to {target}: 1,000 deals")
    assert rows(target, "SELECT count(*) FROM deals") == [(1000,)]


def test_a_full_disk_before_opening_is_called_full(small_disk: Path, run_process) -> None:
    # Closed: no -wal or -shm exist, and SQLite cannot create them ("disk I/O error").
    path = demo_pipeline(small_disk / "pipe.db", deals=20)
    filler = fill(small_disk, leave=0)
    listed = run_process("--db", str(path), "list")
    assert listed.returncode == 1
    assert listed.stderr == ("kanban-pipe: error: the disk holding pipe.db is full: nothing "
                             "was saved; free some space and try again\n")
    filler.unlink()
    assert run_process("--db", str(path), "list").returncode == 0
