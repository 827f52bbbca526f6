"""`crm export all` and `crm import all`: the whole database as one JSON document, and back.

The document (README, "A whole database") is the tables themselves, so nothing is left out and a
restore is exact — ids, uids, times to the microsecond, stage history, links:

    {"format": "crmcli-database", "format_version": 1, "schema_version": 8,
     "exported_at": "2026-12-05T10:30:00.000000Z",
     "tables": {"organization": {"columns": ["id", "uid", ...], "rows": [[1, "b1f...", ...], ...]}, ...}}

Tables come parents first, rows in primary-key order (the same database always gives the same
document, whatever its backend). Values: times as ISO 8601 UTC with microseconds and `Z`, days as
`YYYY-MM-DD`, booleans and integers as JSON's own, text as text, null for none. Settings are not in
the database (they live in the settings file), so not in the document.

Writing streams row by row (constant memory). Reading takes the document whole, checks its format,
version, tables and columns, then writes it through `db_copy.load` in the caller's transaction,
into an empty database only, checking each value against its column on the way: a bad value
stops the restore and the transaction rolls back, so nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from crmcli.core.clock import as_utc
from crmcli.core.db_copy import CHUNK, Feed, load, tables_in_order
from crmcli.errors import Invalid
from crmcli.io.readers import STRICT_NUMBERS, NotAJsonNumber
from crmcli.io.readers import unstorable

FORMAT = "crmcli-database"
FORMAT_VERSION = 1


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write(conn: Connection, out: IO[str], *, schema_version: int, now: datetime) -> dict[str, int]:
    """Write the document of every table of `conn` to `out`; returns the rows written per table."""
    counts: dict[str, int] = {}
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": schema_version,
              "exported_at": _encode(now)}
    out.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "tables": {')
    for n, table in enumerate(tables_in_order()):
        columns = [c.name for c in table.columns]
        out.write(("," if n else "") + f"\n{json.dumps(table.name)}: {{\"columns\": {json.dumps(columns)}, \"rows\": [")
        ordered = sa.select(table).order_by(*table.primary_key.columns)
        counts[table.name] = 0
        for row in conn.execution_options(stream_results=True, yield_per=CHUNK).execute(ordered):
            out.write(("," if counts[table.name] else "") + "\n"
                      + json.dumps([_encode(v) for v in row], ensure_ascii=False, separators=(",", ":")))
            counts[table.name] += 1
        out.write("]}")
    out.write("\n}}\n")
    return counts


# -- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    schema_version: int
    exported_at: str
    tables: dict[str, tuple[list[str], list[list[Any]]]]  # name -> (columns, rows), as read

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, (_, rows) in self.tables.items()}


def read(stream: IO[str], *, schema_version: int, source: str) -> Document:
    """Parse and check a document: its format, its schema version (this crmcli's), every table and
    column known. Values are checked when they are decoded (`restore`)."""
    try:
        whole = json.load(stream, **STRICT_NUMBERS)
    except json.JSONDecodeError as err:
        raise Invalid(f"{source}:{err.lineno}: not JSON ({err.msg})") from None
    except NotAJsonNumber as err:
        raise Invalid(f"{source}: not JSON ({err})") from None
    except UnicodeDecodeError:
        raise Invalid(f"{source} is not UTF-8 text") from None
    except RecursionError:
        raise Invalid(f"{source}: not a crmcli database document (arrays or objects nested too deeply)") from None
    except ValueError:  # a number past int()'s 4,300 digits
        raise Invalid(f"{source}: not a crmcli database document (a number of thousands of digits)") from None
    if not isinstance(whole, dict) or whole.get("format") != FORMAT:
        raise Invalid(f"{source}: not a crmcli database document (written by `crm export all`)")
    if whole.get("format_version") != FORMAT_VERSION:
        raise Invalid(f"{source}: document format {whole.get('format_version')!r}; this crmcli reads format "
                      f"{FORMAT_VERSION}")
    if whole.get("schema_version") != schema_version:
        raise Invalid(f"{source}: written at schema version {whole.get('schema_version')!r}, this crmcli is at "
                      f"{schema_version}; restore it with the crmcli that wrote it, then export it again "
                      "with this one (which brings that database up to date first)")
    known = {t.name: t for t in tables_in_order()}
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    given = whole.get("tables")
    if not isinstance(given, dict):  # missing too: a document without its tables restores nothing
        raise Invalid(f"{source}: \"tables\" must be an object of tables by name")
    for name, body in given.items():
        if name not in known:
            raise Invalid(f"{source}: unknown table {_named(name)}")
        columns, rows = (body.get("columns"), body.get("rows")) if isinstance(body, dict) else (None, None)
        if not isinstance(columns, list) or not isinstance(rows, list):
            raise Invalid(f"{source}: table {name} needs \"columns\" and \"rows\" lists")
        unknown = [c for c in columns if not isinstance(c, str) or c not in known[name].c]
        if unknown:
            raise Invalid(f"{source}: table {name} has no column {_named(unknown[0])}")
        twice = [c for i, c in enumerate(columns) if c in columns[:i]]
        if twice:
            raise Invalid(f"{source}: table {name} names the column {twice[0]!r} twice")
        if rows and not columns:
            raise Invalid(f"{source}: table {name} has rows but no columns")
        tables[name] = (columns, rows)
    return Document(int(whole["schema_version"]), str(whole.get("exported_at", "")), tables)


def _shown(value: Any) -> str:
    """A value of the document in a message: as JSON, cut to 40 characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _named(value: Any) -> str:
    """A table's or column's name in a message, as Python quotes it (a long or odd one as _shown)."""
    return repr(value) if isinstance(value, str) and len(value) <= 40 else _shown(value)


# The integers a column holds on every backend: PostgreSQL's INTEGER is 4 bytes, BIGINT 8.
_INTEGER_RANGE = {sa.BigInteger: 2**63, sa.SmallInteger: 2**15, sa.Integer: 2**31}
JSON_DEPTH = 32  # an audit row is an object of column values: one level; far more is no crm document


def _json_problem(value: Any) -> str | None:
    """What is wrong with a JSON column's value (text crm cannot store, nesting past JSON_DEPTH), or None;
    walked without recursion."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > JSON_DEPTH:
            return f"nested more than {JSON_DEPTH} levels deep"
        if isinstance(item, str):
            wrong = unstorable(item)
            if wrong:
                return wrong
        elif isinstance(item, dict):
            pending.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            pending.extend((part, depth + 1) for part in item)
    return None


def _decoder(column: sa.Column[Any]) -> Callable[[Any], Any]:
    """The function that turns a JSON value back into what `column` stores, or says what is wrong."""
    kind = column.type
    limit = next((n for t, n in _INTEGER_RANGE.items() if isinstance(kind, t)), 2**31)

    def wrong(value: Any, wanted: str) -> Invalid:
        return Invalid(f"{column.name} must be {wanted}, not {_shown(value)}")

    def decode(value: Any) -> Any:
        if value is None:
            if not column.nullable:
                raise Invalid(f"{column.name} must be given")
            return None
        if isinstance(kind, sa.DateTime):
            try:
                return datetime.fromisoformat(value).astimezone(UTC)
            except (TypeError, ValueError, OverflowError):  # OverflowError: before the year 1 in UTC
                raise wrong(value, "a time (2026-11-25T10:30:00.000000Z)") from None
        if isinstance(kind, sa.Date):
            try:
                return date.fromisoformat(value)
            except (TypeError, ValueError):
                raise wrong(value, "a day (2026-11-25)") from None
        if isinstance(kind, sa.Boolean):
            if not isinstance(value, bool):
                raise wrong(value, "true or false")
            return value
        if isinstance(kind, sa.Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise wrong(value, "a whole number")
            if not -limit <= value < limit:
                raise wrong(value, f"a whole number from {-limit:,} to {limit - 1:,}")
            return value
        if isinstance(kind, sa.JSON):  # the audit history's rows as they were
            if not isinstance(value, dict):
                raise wrong(value, "an object")
            problem = _json_problem(value)
            if problem:
                raise Invalid(f"{column.name} holds {problem}")
            return value
        if not isinstance(value, str):
            raise wrong(value, "text")
        problem = unstorable(value)
        if problem:
            raise Invalid(f"{column.name} holds {problem}")
        return value

    return decode


def _feed(document: Document, source: str) -> Feed:
    for table in tables_in_order():
        if table.name not in document.tables:
            continue
        columns, rows = document.tables[table.name]
        decoders = [_decoder(table.c[name]) for name in columns]
        chunk: list[tuple[Any, ...]] = []
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, list) or len(row) != len(columns):
                raise Invalid(f"{source}: {table.name} row {n}: {len(columns)} values expected")
            try:
                chunk.append(tuple(decode(value) for decode, value in zip(decoders, row)))
            except Invalid as err:
                raise Invalid(f"{source}: {table.name} row {n}: {err}") from None
            if len(chunk) == CHUNK:
                yield table, columns, chunk
                chunk = []
        if chunk:
            yield table, columns, chunk


def restore(target: Connection, document: Document, *, source: str, described: str = "the target",
            progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write the document into `target` (empty), in the caller's transaction; a bad value raises
    Invalid naming its table, row and column, and the caller rolls the whole restore back."""
    return load(target, _feed(document, source), progress=progress, described=described)
