"""A minimal Debug Adapter Protocol client over a child's stdio (stdlib only), for driving
lldb-dap from tests: Content-Length framing, request/response matching by seq, an event queue,
a timeout on every wait, and a teardown that always leaves no process behind."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 60.0


class DAPError(RuntimeError):
    """The adapter died, timed out, or answered a request with success = false."""


class DAPClient:
    """One adapter process. Use as a context manager, or call close() yourself.

    Every message the adapter sends is kept in order in `transcript` (for failure reports);
    events also go to a queue that wait_event() consumes."""

    def __init__(self, argv: Sequence[str], cwd: str | os.PathLike[str] | None = None,
                 env: dict[str, str] | None = None, stderr_path: Path | None = None) -> None:
        self._stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._stderr, bufsize=0)
        self._seq = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._responses: dict[int, dict[str, Any]] = {}
        self._events: deque[dict[str, Any]] = deque()
        self._eof = False
        self.transcript: list[dict[str, Any]] = []
        self._reader = threading.Thread(target=self._read_loop, name="dap-reader", daemon=True)
        self._reader.start()

    # --- wire ----------------------------------------------------------------------------

    def _read_message(self) -> dict[str, Any] | None:
        out = self.proc.stdout
        assert out is not None
        length = None
        while True:  # header lines up to an empty line
            line = b""
            while not line.endswith(b"\r\n"):
                c = out.read(1)
                if not c:
                    return None
                line += c
            if line == b"\r\n":
                break
            name, _, value = line.decode("ascii", "replace").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None:
            raise DAPError("message without Content-Length")
        body = b""
        while len(body) < length:
            chunk = out.read(length - len(body))
            if not chunk:
                return None
            body += chunk
        return json.loads(body)

    def _read_loop(self) -> None:
        try:
            while True:
                msg = self._read_message()
                if msg is None:
                    break
                with self._cond:
                    self.transcript.append(msg)
                    kind = msg.get("type")
                    if kind == "response":
                        self._responses[msg["request_seq"]] = msg
                    elif kind == "event":
                        self._events.append(msg)
                    elif kind == "request":  # reverse request (runInTerminal, ...): refuse
                        self._send_locked({"type": "response", "request_seq": msg["seq"],
                                           "command": msg.get("command"), "success": False,
                                           "message": "not supported by this client"})
                    self._cond.notify_all()
        except (OSError, ValueError, DAPError):
            pass
        finally:
            with self._cond:
                self._eof = True
                self._cond.notify_all()

    def _send_locked(self, msg: dict[str, Any]) -> None:
        self._seq += 1
        msg["seq"] = self._seq
        data = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    # --- requests and events -------------------------------------------------------------

    def send_request(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        """Sends a request without waiting; returns its seq for wait_response()."""
        with self._cond:
            if self._eof:
                raise DAPError(f"adapter is gone (rc={self.proc.poll()}); cannot send {command}")
            msg: dict[str, Any] = {"type": "request", "command": command}
            if arguments is not None:
                msg["arguments"] = arguments
            try:
                self._send_locked(msg)
            except OSError as e:
                raise DAPError(f"cannot send {command}: {e}") from e
            return self._seq

    def wait_response(self, seq: int, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while seq not in self._responses:
                left = deadline - time.monotonic()
                if self._eof:
                    raise DAPError(f"adapter exited (rc={self.proc.poll()}) before answering "
                                   f"request {seq}")
                if left <= 0:
                    raise DAPError(f"no response to request {seq} within {timeout}s")
                self._cond.wait(left)
            return self._responses.pop(seq)

    def request(self, command: str, arguments: dict[str, Any] | None = None,
                timeout: float = DEFAULT_TIMEOUT, check: bool = True) -> dict[str, Any]:
        """Sends a request and returns its response; check=True raises on success = false."""
        resp = self.wait_response(self.send_request(command, arguments), timeout)
        if check and not resp.get("success"):
            raise DAPError(f"{command} failed: {resp.get('message')!r} {resp.get('body')!r}")
        return resp

    def wait_event(self, name: str, timeout: float = DEFAULT_TIMEOUT,
                   match: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """The first queued event called name (and accepted by match); earlier events of
        other names stay queued for later waits."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self._events:
                    if ev.get("event") == name and (match is None or match(ev)):
                        self._events.remove(ev)
                        return ev
                left = deadline - time.monotonic()
                if self._eof:
                    raise DAPError(f"adapter exited (rc={self.proc.poll()}) while waiting for "
                                   f"event {name!r}")
                if left <= 0:
                    raise DAPError(f"no {name!r} event within {timeout}s")
                self._cond.wait(left)

    def drain_events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Removes and returns the queued events (all, or those called name)."""
        with self._cond:
            got = [e for e in self._events if name is None or e.get("event") == name]
            for e in got:
                self._events.remove(e)
            return got

    def output(self) -> str:
        """Every `output` event's text so far, in order (console, stdout and stderr)."""
        with self._cond:
            return "".join(m["body"].get("output", "") for m in self.transcript
                           if m.get("type") == "event" and m.get("event") == "output")

    # --- teardown ------------------------------------------------------------------------

    def close(self, timeout: float = 15.0) -> None:
        """disconnect (terminateDebuggee), then end the adapter: wait, terminate, kill.

        The debuggee is the adapter's child; if the adapter must be killed, lldb-server and
        the debuggee lose their tracer and get SIGKILL via the kernel (PTRACE_O_EXITKILL)
        or are reaped by the caller's own fixture cleanup."""
        try:
            if not self._eof and self.proc.poll() is None:
                seq = self.send_request("disconnect", {"terminateDebuggee": True})
                self.wait_response(seq, timeout)
        except DAPError:
            pass
        finally:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=30)
            self._reader.join(timeout=5)
            if self.proc.stdout:
                self.proc.stdout.close()
            if hasattr(self._stderr, "close"):
                self._stderr.close()

    def __enter__(self) -> DAPClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
