"""Facts tests want in the closing summary (what was unavailable and why), not failures."""
from __future__ import annotations

NOTES: list[str] = []
