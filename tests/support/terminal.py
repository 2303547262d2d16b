"""A debugger in a pseudo-terminal, driven as a person at a keyboard: lines typed, Ctrl-C
sent by the terminal (the tty's VINTR character, so the kernel signals the foreground
process group, as it does for a real keyboard), output read back as the screen shows it.

    with Terminal(["lldb-19", binary, "--core", core]) as t:
        t.expect("(lldb) ")
        t.type("gomap show m --all")
        t.interrupt_until(r"\\(lldb\\) $")
"""
from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import subprocess
import termios
import time
from typing import Sequence


class TerminalError(AssertionError):
    pass


class Terminal:
    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None,
                 cols: int = 200):
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, bytes([24, 0, cols & 0xff, cols >> 8, 0, 0, 0, 0]))

        def controlling() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        self.proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave,
                                     preexec_fn=controlling, env=env, close_fds=True)
        os.close(slave)
        self.fd = master
        self.screen = ""  # everything printed so far, \r\n as \n
        self.mark = 0     # expect() searches from here

    def __enter__(self) -> "Terminal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pump(self, timeout: float) -> bool:
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # the other side closed
            data = b""
        if not data:
            raise TerminalError(f"{self.proc.args[0]} exited (rc {self.proc.poll()}); "
                                f"screen ends:\n{self.screen[-3000:]}")
        self.screen += data.decode("utf-8", "replace").replace("\r\n", "\n")
        return True

    def expect(self, pattern: str, timeout: float = 120) -> re.Match[str]:
        """Waits for `pattern` (a regex, re.M) in the output after the last match."""
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.screen, self.mark)
            if m:
                self.mark = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise TerminalError(f"no {pattern!r} within {timeout} s; screen ends:\n"
                                    f"{self.screen[-3000:]}")
            self._pump(min(left, 0.5))

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def interrupt(self) -> None:
        """Ctrl-C as the keyboard sends it: the terminal's interrupt character."""
        os.write(self.fd, termios.tcgetattr(self.fd)[6][termios.VINTR])

    def interrupt_until(self, pattern: str, first: float, every: float = 0.1,
                        timeout: float = 120) -> tuple[re.Match[str], int]:
        """Sends Ctrl-C `first` seconds from now and then every `every` seconds until
        `pattern` shows; the match and the number of Ctrl-Cs sent."""
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + timeout
        next_at = time.monotonic() + first
        sent = 0
        while True:
            m = rx.search(self.screen, self.mark)
            if m:
                self.mark = m.end()
                return m, sent
            now = time.monotonic()
            if now >= end:
                raise TerminalError(f"no {pattern!r} within {timeout} s after {sent} Ctrl-C; "
                                    f"screen ends:\n{self.screen[-3000:]}")
            if now >= next_at:
                self.interrupt()
                sent += 1
                next_at = now + every
            self._pump(max(0.0, min(next_at, end) - now))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        try:
            while self._pump(0):
                pass
        except TerminalError:
            pass
        os.close(self.fd)
