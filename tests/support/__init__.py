"""Helpers shared by the integration tests (fixtures, toolchains)."""
