"""docs/commands.md is checked against the one command table both debuggers register
(commands/registry.cpp, read here through _gomap.commands()): every subcommand has its
section (`## gomap NAME ...`, a shared heading for goroutine/frame), and every option of it
is named in that section or in the table of options every map command takes."""
from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "pretty_printers"))

import _gomap  # noqa: E402

DOC = REPO / "docs" / "commands.md"


def _sections() -> tuple[dict[str, str], str]:
    """(subcommand name -> the text of the `## gomap NAME` section(s) naming it, the section
    of the options every map command takes)."""
    out: dict[str, str] = {}
    common = ""
    parts = re.split(r"(?m)^## ", DOC.read_text())
    for part in parts[1:]:
        if part.startswith("Options of every command"):
            common = part
        heading = part.split("\n", 1)[0]
        for name in re.findall(r"gomap (\w+)", heading):
            out[name] = out.get(name, "") + part
    return out, common


def test_every_command_and_option_is_documented() -> None:
    sections, common = _sections()
    assert common, f"{DOC.name} lacks the section of common options"
    problems = []
    for name, _summary, help_text in _gomap.commands():
        text = sections.get(name)
        if text is None:
            problems.append(f"gomap {name}: no '## gomap {name}' section in {DOC.name}")
            continue
        for opt in re.findall(r"^\s+(?:-\w, )?--([\w-]+)", help_text, re.M):
            if f"--{opt}" not in text and f"--{opt}" not in common:
                problems.append(f"gomap {name}: option --{opt} is not in its section")
    assert not problems, "\n".join(problems)
