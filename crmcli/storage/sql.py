"""SQL expressions whose spelling differs between SQLite and PostgreSQL, behind one name each."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String


class iso_utc(FunctionElement[str]):
    """A timestamp column as ISO 8601 UTC text: 2026-11-24T12:00:00Z (stable across time zones)."""

    type = String()
    inherit_cache = True


@compiles(iso_utc, "sqlite")
def _iso_utc_sqlite(element: iso_utc, compiler: Any, **kw: Any) -> str:
    return "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', %s)" % compiler.process(element.clauses, **kw)


@compiles(iso_utc, "postgresql")
def _iso_utc_pg(element: iso_utc, compiler: Any, **kw: Any) -> str:
    return ("to_char((%s) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            % compiler.process(element.clauses, **kw))


class json_object_agg(FunctionElement[str]):
    """Aggregate key/value rows into one JSON object text, keys sorted (NULL when there are none)."""

    type = String()
    inherit_cache = True


@compiles(json_object_agg, "sqlite")
def _json_agg_sqlite(element: json_object_agg, compiler: Any, **kw: Any) -> str:
    return "json_group_object(%s)" % compiler.process(element.clauses, **kw)


@compiles(json_object_agg, "postgresql")
def _json_agg_pg(element: json_object_agg, compiler: Any, **kw: Any) -> str:
    return "json_object_agg(%s)::text" % compiler.process(element.clauses, **kw)


def reset_sequences(conn: Any, tables: list[str]) -> None:
    """After bulk inserts with explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in tables:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"))


class age_days(FunctionElement[float]):
    """Days (fractional) from a timestamp column to a later moment: age_days(col, moment)."""

    from sqlalchemy.types import Float as _Float

    type = _Float()
    inherit_cache = True


@compiles(age_days, "sqlite")
def _age_days_sqlite(element: age_days, compiler: Any, **kw: Any) -> str:
    column, moment = list(element.clauses)
    return f"(julianday({compiler.process(moment, **kw)}) - julianday({compiler.process(column, **kw)}))"


@compiles(age_days, "postgresql")
def _age_days_pg(element: age_days, compiler: Any, **kw: Any) -> str:
    column, moment = list(element.clauses)
    return (f"(EXTRACT(EPOCH FROM (CAST({compiler.process(moment, **kw)} AS TIMESTAMPTZ) - "
            f"{compiler.process(column, **kw)})) / 86400.0)")
