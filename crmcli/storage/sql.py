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


class greatest(FunctionElement[Any]):
    """The later of two non-null values: max(a, b) on SQLite, greatest(a, b) on PostgreSQL."""

    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return "max(%s)" % compiler.process(element.clauses, **kw)


@compiles(greatest, "postgresql")
def _greatest_pg(element: greatest, compiler: Any, **kw: Any) -> str:
    return "greatest(%s)" % compiler.process(element.clauses, **kw)


class month_of(FunctionElement[str]):
    """A date column's calendar month as text, '2026-11' (quarters are derived from it)."""

    type = String()
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    return "strftime('%%Y-%%m', %s)" % compiler.process(element.clauses, **kw)


@compiles(month_of, "postgresql")
def _month_pg(element: month_of, compiler: Any, **kw: Any) -> str:
    return "to_char(%s, 'YYYY-MM')" % compiler.process(element.clauses, **kw)
