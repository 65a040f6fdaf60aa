"""A pseudo-terminal driver for benchmarks: runs a program, answers its queries, keeps a screen.

The program gets a real pty (it is the session leader with the pty as controlling
terminal, window size set before it starts), so Textual runs its ordinary Linux driver.
Everything it writes is read with a timestamp taken as soon as `os.read` returns, fed to a
small text-only screen model (cursor moves, erases, printable text; colours are kept only
as an opaque attribute string per cell), and scanned for:

- `ESC[?2026$p`, the synchronized-output query, answered with `ESC[?2026;2$y` at once.
  Textual wraps each frame in `ESC[?2026h` … `ESC[?2026l` only after that answer;
- `ESC[?2026l`, the end of a frame: the time of the read that carried it is the frame's
  time, and the screen as it stands after it is what the frame shows.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import signal
import struct
import termios
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

SYNC_QUERY = "\x1b[?2026$p"
SYNC_ANSWER = b"\x1b[?2026;2$y"
FRAME_END = "\x1b[?2026l"
_MARKERS = (FRAME_END.encode(), SYNC_QUERY.encode())
_MARKER_TAIL = max(len(marker) for marker in _MARKERS) - 1

# CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F, final 0x40-0x7E.
_TOKEN = re.compile(
    r"\x1b\[(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1bP[^\x1b]*\x1b\\"
    r"|\x1b[()*+][0-~]"
    r"|\x1b[ -~]"
    r"|[\x00-\x1a\x1c-\x1f\x7f]"
    r"|[^\x00-\x1f\x7f]+",
)
# An escape sequence cut off at the end of a read: keep it for the next one.
_PARTIAL = re.compile(r"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|P[^\x1b]*|[()*+])?(?:\x1b)?$")


def _cell_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


class Screen:
    """A text-only model of the terminal screen (enough to see what a frame shows)."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.chars = [[" "] * cols for _ in range(rows)]
        self.attrs = [[""] * cols for _ in range(rows)]
        self.x = self.y = 0
        self.sgr = ""

    def line(self, y: int) -> str:
        """Row `y` as text."""
        return "".join(self.chars[y])

    def text(self) -> str:
        """The whole screen as text, one line per row."""
        return "\n".join(self.line(y) for y in range(self.rows))

    def find(self, needle: str, x0: int = 0, x1: int | None = None) -> list[int]:
        """The rows where `needle` occurs between columns x0 and x1."""
        return [y for y in range(self.rows) if needle in self.line(y)[x0:x1]]

    def csi(self, params: str, inter: str, final: str) -> None:
        """Apply one control sequence (the ones that move the cursor or erase)."""
        if params.startswith(("?", ">", "<", "=")) or inter:
            return  # modes and queries change nothing on screen
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(i: int, default: int = 1) -> int:
            return nums[i] if len(nums) > i and nums[i] else default

        if final in "Hf":
            self.y, self.x = arg(0) - 1, arg(1) - 1
        elif final == "A":
            self.y -= arg(0)
        elif final == "B":
            self.y += arg(0)
        elif final == "C":
            self.x += arg(0)
        elif final == "D":
            self.x -= arg(0)
        elif final == "G":
            self.x = arg(0) - 1
        elif final == "d":
            self.y = arg(0) - 1
        elif final == "m":
            self.sgr = "" if params in ("", "0") else params
        elif final == "J":
            mode = arg(0, 0)
            rows = range(self.rows) if mode >= 2 else (
                range(self.y + 1, self.rows) if mode == 0 else range(0, self.y))
            for y in rows:
                self.chars[y] = [" "] * self.cols
                self.attrs[y] = [""] * self.cols
            if mode in (0, 1):
                self._erase_in_line(mode)
        elif final == "K":
            self._erase_in_line(arg(0, 0))
        self.x = max(0, min(self.x, self.cols - 1))
        self.y = max(0, min(self.y, self.rows - 1))

    def _erase_in_line(self, mode: int) -> None:
        if not 0 <= self.y < self.rows:
            return
        span = {0: range(self.x, self.cols), 1: range(0, self.x + 1)}.get(mode, range(self.cols))
        for x in span:
            self.chars[self.y][x] = " "
            self.attrs[self.y][x] = ""

    def control(self, char: str) -> None:
        """Apply a C0 control character."""
        if char == "\r":
            self.x = 0
        elif char == "\n":
            self.y = min(self.y + 1, self.rows - 1)
        elif char == "\b":
            self.x = max(0, self.x - 1)

    def put(self, text: str) -> None:
        """Write printable text at the cursor (no wrapping: Textual turns autowrap off)."""
        row, attrs = self.chars[self.y], self.attrs[self.y]
        for char in text:
            width = _cell_width(char)
            if width == 0:
                continue
            if self.x < self.cols:
                row[self.x] = char
                attrs[self.x] = self.sgr
                if width == 2 and self.x + 1 < self.cols:
                    row[self.x + 1] = ""
                    attrs[self.x + 1] = self.sgr
            self.x = min(self.x + width, self.cols)


@dataclass
class Frame:
    """One frame the program finished: when, and how many bytes it carried."""

    index: int
    at: float
    size: int


@dataclass
class Terminal:
    """A program running in a pseudo-terminal of `cols` x `rows`."""

    argv: Sequence[str]
    cols: int = 140
    rows: int = 40
    env: Mapping[str, str] | None = None
    cwd: str | None = None
    spawned_at: float = 0.0
    pid: int = 0
    fd: int = -1
    screen: Screen = field(init=False)
    frames: list[Frame] = field(default_factory=list)
    last_output_at: float = 0.0
    raw: bytearray = field(default_factory=bytearray)
    exit_status: int | None = None

    def __post_init__(self) -> None:
        self.screen = Screen(self.cols, self.rows)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._frame_bytes = 0
        self._frame_hook: Callable[[Frame], None] | None = None
        self._unparsed: list[tuple[bytes, float]] = []
        self._scan_tail = b""

    # -- life -------------------------------------------------------------------------

    def spawn(self) -> float:
        """Start the program; return the spawn time (time.perf_counter)."""
        env = dict(self.env if self.env is not None else os.environ)
        env.update(TERM="xterm-256color", COLUMNS=str(self.cols), LINES=str(self.rows))
        size = struct.pack("HHHH", self.rows, self.cols, 0, 0)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
        self.spawned_at = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # child: new session, the pty as controlling terminal and stdio
            try:
                os.close(master)
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                if slave > 2:
                    os.close(slave)
                if self.cwd:
                    os.chdir(self.cwd)
                os.execvpe(self.argv[0], list(self.argv), env)
            finally:
                os._exit(127)
        os.close(slave)
        self.pid, self.fd = pid, master
        return self.spawned_at

    def close(self, *, quit_keys: bytes = b"q", timeout: float = 5.0) -> None:
        """Ask the program to quit with `quit_keys`, then make sure it is gone."""
        if self.pid and self.exit_status is None:
            try:
                if quit_keys:
                    self.send(quit_keys)
                deadline = time.perf_counter() + timeout
                while time.perf_counter() < deadline and self._reap() is None:
                    self.pump(0.05)
            finally:
                if self._reap() is None:
                    os.kill(self.pid, signal.SIGKILL)
                    _, status = os.waitpid(self.pid, 0)
                    self.exit_status = status
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _reap(self) -> int | None:
        if self.exit_status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.exit_status = status
        return self.exit_status

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- input and output ---------------------------------------------------------------

    def send(self, keys: bytes) -> float:
        """Type `keys`; return the time just before they were written."""
        at = time.perf_counter()
        os.write(self.fd, keys)
        return at

    def pump(self, timeout: float) -> bool:
        """Read what the program writes within `timeout` s; False once it has exited.

        Reads are parsed only once one carries a frame's end (or the sync query), or the
        time is up: the pty hands over at most 4 KB per read and parsing one takes this
        driver ~1-2 ms, so parsing between reads added the driver's own time to a big
        frame's (~10 ms on the board's ~38 KB first frame, 4-6 ms on a deal move). Each
        read keeps the time it arrived.
        """
        deadline = time.perf_counter() + max(timeout, 0)
        alive = True
        while True:
            ready, _, _ = select.select([self.fd], [], [],
                                        max(deadline - time.perf_counter(), 0))
            if not ready:
                break
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: the program closed the terminal
                data = b""
            at = time.perf_counter()
            if not data:
                alive = False
                break
            self.last_output_at = at
            self._unparsed.append((data, at))
            seen = self._scan_tail + data
            self._scan_tail = seen[-_MARKER_TAIL:]
            if any(marker in seen for marker in _MARKERS):
                break
        for data, at in self._unparsed:
            self.raw += data
            self._feed(self._decoder.decode(data), at, len(data))
        self._unparsed.clear()
        return alive

    def _feed(self, text: str, at: float, size: int) -> None:
        text = self._pending + text
        partial = _PARTIAL.search(text)
        if partial and partial.start() < len(text):
            text, self._pending = text[:partial.start()], text[partial.start():]
        else:
            self._pending = ""
        self._frame_bytes += size
        screen = self.screen
        for match in _TOKEN.finditer(text):
            token = match.group()
            if match.group("final"):
                if token == SYNC_QUERY:
                    os.write(self.fd, SYNC_ANSWER)
                elif token == FRAME_END:
                    self.frames.append(Frame(len(self.frames), at, self._frame_bytes))
                    self._frame_bytes = 0
                    self._on_frame(self.frames[-1])
                screen.csi(match.group("params"), match.group("inter"), match.group("final"))
            elif token[0] == "\x1b":
                continue
            elif len(token) == 1 and (token < " " or token == "\x7f"):
                screen.control(token)
            else:
                screen.put(token)

    def _on_frame(self, frame: Frame) -> None:
        if self._frame_hook is not None:
            self._frame_hook(frame)

    # -- waiting ----------------------------------------------------------------------

    def wait_frame(self, shows: Callable[[Screen], bool], *, timeout: float = 30.0,
                   after: float = 0.0) -> Frame:
        """The first frame ending after `after` whose screen satisfies `shows`."""
        found: list[Frame] = []

        def hook(frame: Frame) -> None:
            if not found and frame.at >= after and shows(self.screen):
                found.append(frame)

        # A frame that already ended (read in an earlier pump) counts too.
        if self.frames and self.frames[-1].at >= after and shows(self.screen):
            return self.frames[-1]
        self._frame_hook = hook
        try:
            deadline = time.perf_counter() + timeout
            while not found:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"no frame showed what was expected within {timeout}s")
                if not self.pump(min(left, 0.5)):
                    raise RuntimeError(f"{self.argv[0]} exited:\n{self.tail()}")
        finally:
            self._frame_hook = None
        return found[0]

    def wait_quiet(self, quiet: float = 0.1, *, timeout: float = 10.0) -> None:
        """Read until the program has written nothing for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            left = quiet - (time.perf_counter() - self.last_output_at)
            if left <= 0:
                return
            if not self.pump(left):
                raise RuntimeError(f"{self.argv[0]} exited:\n{self.tail()}")

    def tail(self, size: int = 2000) -> str:
        """The end of the raw output, for error messages."""
        return bytes(self.raw[-size:]).decode("utf-8", "replace")

    # -- the process ------------------------------------------------------------------

    def cpu_ms(self) -> float:
        """CPU time (user + system, every thread) the program has used so far, in ms.

        From /proc/PID/stat, so it counts in clock ticks (10 ms at the usual 100 Hz).
        """
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")

    def main_thread_cpu_ms(self) -> float:
        """CPU time of the program's main thread (Textual's event loop) so far, in ms."""
        with open(f"/proc/{self.pid}/task/{self.pid}/schedstat", encoding="ascii") as stat:
            return int(stat.read().split()[0]) / 1e6

    def rss_mib(self) -> float:
        """Resident memory of the program (VmRSS), in MiB."""
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")
