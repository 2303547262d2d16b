"""The plugin in lldb-dap's Debug Console: lldb-dap-19 (GOMAP_LLDB_MAJOR) launches the maps
fixture with the launch configuration of docs/ide.md, stops at a function breakpoint, and
`gomap show` typed without the command escape prefix (DAP `evaluate`, context "repl") prints
every map's entries, equal to the program's ground truth as a multiset. Expressions still get
a clean error, the prefix still works, gomap follows the frame clicked in the Call Stack, and
~/.lldbinit is an alternative to initCommands."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import fixtures as fx  # noqa: E402
from integration.dap_client import DAPClient, DAPError  # noqa: E402
from integration.lldb_support import show_map_problems  # noqa: E402
from integration.notes import NOTES  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ide.md"
PLUGIN = REPO / "build" / "plugin" / "libgomap_lldb.so"
LLDB_MAJOR = os.environ.get("GOMAP_LLDB_MAJOR", "19")  # the LLDB the plugin is built for
LLDB_DAP = shutil.which(f"lldb-dap-{LLDB_MAJOR}")
BREAK_AT = "main.groundTruthWritten"  # tests/fixtures/maps/main.go, after expect.json
# One of each map implementation and era: classic (Debian's go1.19, go1.25 noswissmap), swiss
# (the machine's go), and go1.27 mapsplitgroup.
REPRESENTATIVE = ["go1.19.8", "go1.25.14-noswissmap", "go1.26.8", "go1.27.4-mapsplitgroup"]
STOP_TIMEOUT = 180.0
EVAL_TIMEOUT = 300.0

pytestmark = pytest.mark.skipif(
    LLDB_DAP is None,
    reason=f"lldb-dap-{LLDB_MAJOR} not installed (Debian package lldb-{LLDB_MAJOR})")


def _params(ids: list[str]) -> list[Any]:
    """fx.params() restricted to ids; an id not selected (GOMAP_TOOLCHAINS) is a skip."""
    got = {p.values[0].id: p for p in fx.params()}
    return [got[i] if i in got else
            pytest.param(None, id=i, marks=pytest.mark.skip(
                reason=f"{i}: not among the selected toolchains (GOMAP_TOOLCHAINS)"))
            for i in ids]


def doc_launch_config(workspace: Path) -> dict[str, Any]:
    """The first configuration of the launch.json block in docs/ide.md, with the repository
    and ${workspaceFolder} filled in."""
    m = re.search(r"```json\n(.*?)```", DOC.read_text(), re.S)
    assert m, f"{DOC}: no ```json block"
    text = (m.group(1).replace("/path/to/gomap-inspector", str(REPO))
            .replace("${workspaceFolder}", str(workspace)))
    return json.loads(text)["configurations"][0]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Session:
    """lldb-dap with the fixture launched and stopped at BREAK_AT."""

    def __init__(self, binary: Path, outdir: Path, init_commands: list[str] | None,
                 env: dict[str, str] | None = None, source_init_file: bool = False) -> None:
        self.binary = binary
        self.outdir = outdir
        self.dap = DAPClient([LLDB_DAP], cwd=outdir, env=env,
                             stderr_path=outdir / "lldb-dap.stderr")
        self.debuggee: int | None = None
        self.disconnected = False
        self.config = doc_launch_config(outdir)
        self.init_commands = init_commands
        self.source_init = source_init_file

    def start(self) -> None:
        d = self.dap
        d.request("initialize", {"clientID": "gomap-tests", "adapterID": "lldb-dap",
                                 "linesStartAt1": True, "columnsStartAt1": True,
                                 "pathFormat": "path", "sourceInitFile": self.source_init})
        args = {k: v for k, v in self.config.items() if k not in ("type", "request", "name")}
        args.update(program=str(self.binary), cwd=str(self.outdir),
                    args=["-out", str(self.outdir), "-mode", "park"])
        if self.init_commands is None:
            args.pop("initCommands", None)
        else:
            args["initCommands"] = self.init_commands
        d.request("launch", args, timeout=120)
        d.wait_event("initialized")
        bps = d.request("setFunctionBreakpoints",
                        {"breakpoints": [{"name": BREAK_AT}]})["body"]["breakpoints"]
        assert bps and bps[0]["verified"], f"breakpoint on {BREAK_AT} not resolved: {bps}"
        d.request("configurationDone")
        proc = d.wait_event("process")
        self.debuggee = proc["body"].get("systemProcessId")
        stop = d.wait_event("stopped", timeout=STOP_TIMEOUT)["body"]
        # The plugin, loaded before the launch, lets SIGURG pass: the first stop is the
        # breakpoint, not one of Go's preemption signals.
        assert stop["reason"] == "breakpoint", f"first stop is not the breakpoint: {stop}"
        trace = d.request("stackTrace", {"threadId": stop["threadId"], "levels": 2})["body"]
        self.frames = trace["stackFrames"]
        assert self.frames[0]["name"] == BREAK_AT, self.frames[0]
        self.frame_id = self.frames[0]["id"]

    def evaluate(self, expression: str, context: str = "repl") -> dict[str, Any]:
        return self.dap.request("evaluate", {"expression": expression, "context": context,
                                             "frameId": self.frame_id},
                                timeout=EVAL_TIMEOUT, check=False)

    def command(self, line: str) -> str:
        """A console line that lldb-dap must run as a command; its output, echo removed."""
        r = self.evaluate(line)
        assert r["success"], f"{line!r} was not run as a command: {r.get('message')!r}"
        result = r["body"]["result"]
        echo = f"(lldb) {line.lstrip('`')}\n"
        assert result.startswith(echo), f"{line!r}: unexpected result {result[:300]!r}"
        return result[len(echo):]

    def close(self) -> None:
        """disconnect (terminateDebuggee), end lldb-dap, and kill the debuggee by its pid if
        it outlived both."""
        try:
            seq = self.dap.send_request("disconnect", {"terminateDebuggee": True})
            self.disconnected = self.dap.wait_response(seq, timeout=30).get("success", False)
        except DAPError:
            pass
        self.dap.close()
        if self.debuggee and _alive(self.debuggee):
            try:
                exe = os.readlink(f"/proc/{self.debuggee}/exe")
            except OSError:
                exe = ""
            if Path(exe) == self.binary:
                os.kill(self.debuggee, signal.SIGKILL)
        rc = self.dap.proc.returncode
        if self.disconnected and rc == -signal.SIGABRT:
            note = (f"lldb-dap-{LLDB_MAJOR} aborted at exit after a successful disconnect "
                    "(free(): invalid pointer; also without the plugin, "
                    "llvm/llvm-project#118577)")
            if note not in NOTES:
                NOTES.append(note)


def show_json(s: Session, name: str) -> dict[str, Any]:
    out = s.command(f"gomap show {name} --all --json")
    try:
        return json.loads(out)
    except ValueError:
        raise AssertionError(f"gomap show {name}: not a JSON document: {out[:500]!r}") from None


@pytest.mark.parametrize("tc", _params(REPRESENTATIVE))
def test_console_gomap_without_prefix(tc: fx.Toolchain, tmp_path: Path) -> None:
    binary = fx.build("maps", tc)
    s = Session(binary, tmp_path, init_commands=doc_launch_config(tmp_path)["initCommands"])
    try:
        s.start()
        expect = fx.load_expect(tmp_path)
        assert not fx.check_expect(expect)
        # The plugin, loaded before the target exists, launches it without asynchronous
        # preemption (docs/commands.md, "Stepping").
        env = Path(f"/proc/{s.debuggee}/environ").read_bytes().split(b"\0")
        assert any(e.startswith(b"GODEBUG=") and b"asyncpreemptoff=1" in e for e in env), [
            e for e in env if e.startswith(b"GODEBUG")]

        # The documented configuration needs neither a REPL mode nor an escape prefix.
        assert "commandEscapePrefix" not in s.config
        assert not any("repl-mode" in c for c in s.config["initCommands"])
        console = s.dap.output()
        assert f"(lldb) plugin load {PLUGIN}\n" in console, console
        assert "error" not in console.split("Running initCommands:", 1)[-1].lower(), console

        problems: list[str] = []
        for name, want in sorted(expect["maps"].items()):
            doc = show_json(s, name)
            assert doc["schema"] == "gomap/1"
            problems += show_map_problems(name, want, doc["map"], expect["impl"])
        assert not problems, f"{tc.id}: {len(problems)} problems\n" + "\n".join(problems)

        # The container runs (abbreviations, help), not only the plain `gomap` beside it.
        assert s.command("gomap sh main.mSmall --limit 1").startswith("(map[string]int) 0x")
        assert "The following subcommands are supported" in s.command("help gomap")
        # A failing command reports its error in the console text.
        err = s.command("gomap show main.mNoSuchMap --json")
        assert err.startswith("error: gomap show: no variable named 'main.mNoSuchMap'"), err

        # Expressions still go to LLDB's evaluator and fail cleanly (no Go type system).
        for context in ("repl", "watch"):
            r = s.evaluate("main.mSmall", context)
            assert not r["success"], r
            assert "type system for language go" in r.get("message", ""), r
        # The escape prefix still works.
        assert s.command("`gomap version").startswith("gomap-inspector ")

        # The plain `gomap` alone (the container deleted) runs the same subcommands.
        s.command("`command container delete gomap")
        doc = show_json(s, "main.mSmall")
        assert not show_map_problems("main.mSmall", expect["maps"]["main.mSmall"], doc["map"],
                                     expect["impl"])
        assert "unknown subcommand 'nosuch'" in s.command("gomap nosuch")

        # Clicking a frame in the Call Stack (the IDE asks for its scopes) selects it in
        # LLDB, and gomap follows LLDB's selection.
        caller = s.frames[1]
        assert caller["name"] == "main.main", caller
        s.dap.request("scopes", {"frameId": caller["id"]})
        sel = s.command("gomap goroutine")
        assert sel.startswith("goroutine 1, frame 1 (lldb frame #1): main.main at "), sel
    finally:
        s.close()
    assert s.disconnected, "lldb-dap did not answer disconnect"


@pytest.mark.parametrize("tc", _params(["go1.26.8"]))
def test_console_with_lldbinit(tc: fx.Toolchain, tmp_path: Path) -> None:
    """The `plugin load` line in ~/.lldbinit instead of initCommands: lldb-dap sources it when
    the session starts, before it adds its own commands."""
    binary = fx.build("maps", tc)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".lldbinit").write_text(
        "\n".join(doc_launch_config(tmp_path)["initCommands"]) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, HOME=str(home))
    s = Session(binary, out, init_commands=None, env=env, source_init_file=True)
    try:
        s.start()
        expect = fx.load_expect(out)
        doc = show_json(s, "main.mStructVals")
        problems = show_map_problems("main.mStructVals", expect["maps"]["main.mStructVals"],
                                     doc["map"], expect["impl"])
        assert not problems, "\n".join(problems)
    finally:
        s.close()
