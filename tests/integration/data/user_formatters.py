"""Example user formatters (docs/formatters.md; used by the formatter integration tests)."""
from gomap import formatters

# main.UserID keys (a named uint64) as hex.
formatters.register("main.UserID", lambda v: hex(v.int()))


@formatters.formatter("main.Record")
def record(v: formatters.Value) -> object:
    """A one-line summary of a big struct; a small object in --json."""
    if v.for_json:
        return {"id": v.field("ID"), "name": v.field("Name")}
    return f"Record#{v.field('ID')} {v.field('Name')}"
