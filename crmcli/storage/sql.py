"""SQL expressions whose spelling differs between SQLite and PostgreSQL, behind one name each."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String, TypeEngine


Template = str | Callable[..., str]  # a %-template of the comma-joined arguments, or a function of each


def _function(name: str, doc: str, *, sqlite: Template, postgresql: Template,
              type_: TypeEngine[Any] | None = None) -> Any:
    """A SQL function spelled `sqlite` or `postgresql`."""
    body: dict[str, Any] = {"__doc__": doc, "inherit_cache": True}
    if type_ is not None:
        body["type"] = type_
    element = type(name, (FunctionElement,), body)
    for dialect, template in (("sqlite", sqlite), ("postgresql", postgresql)):
        compiles(element, dialect)(lambda e, compiler, _t=template, **kw: _render(_t, e, compiler, **kw))
    return element


def _render(template: Template, element: Any, compiler: Any, **kw: Any) -> str:
    if callable(template):
        return template(*(compiler.process(arg, **kw) for arg in element.clauses))
    return template % compiler.process(element.clauses, **kw)


iso_utc = _function(
    "iso_utc", "A timestamp column as ISO 8601 UTC text: 2026-11-24T12:00:00Z (stable across time zones).",
    sqlite="strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', %s)",
    postgresql="to_char((%s) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", type_=String())
json_object_agg = _function(
    "json_object_agg", "Aggregate key/value rows into one compact JSON object text, {\"k\":\"v\"} (NULL when there "
    "are none).",
    # PostgreSQL's json_object_agg spaces its text ({ "k" : "v" }): CSV cells would differ from SQLite's.
    sqlite="json_group_object(%s)",
    postgresql=lambda key, value: (f"'{{' || string_agg(to_json(CAST({key} AS TEXT))::text || ':' || "
                                   f"to_json(CAST({value} AS TEXT))::text, ',') || '}}'"),
    type_=String())
iso_day = _function(
    "iso_day", "A date column as ISO 8601 text: 2026-11-24 (SQLite keeps it so; PostgreSQL's text form follows "
    "its DateStyle).",
    sqlite="strftime('%%Y-%%m-%%d', %s)", postgresql="to_char(%s, 'YYYY-MM-DD')", type_=String())
noon_utc = _function(
    "noon_utc", "12:00 UTC of a date column's day, as its timestamps are stored: an all-day follow-up's sort "
    "key (followups.day_key).",
    sqlite="strftime('%%Y-%%m-%%d 12:00:00.000000', %s)", postgresql="((%s) + time '12:00') AT TIME ZONE 'UTC'")
greatest = _function("greatest", "The later of two non-null values.", sqlite="max(%s)", postgresql="greatest(%s)")
month_of = _function("month_of", "A date column's calendar month as text, '2026-11' (quarters derive from it).",
                     sqlite="strftime('%%Y-%%m', %s)", postgresql="to_char(%s, 'YYYY-MM')", type_=String())


def insert_many(conn: Any, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """INSERT `rows` (tuples of `columns`' values) in one executemany. On SQLite the values go
    through each column's own bind processor straight to the driver, without SQLAlchemy's per-row
    parameter handling (a big import's writes take half the time); elsewhere a plain executemany."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        from sqlalchemy import insert

        conn.execute(insert(table), [dict(zip(columns, row)) for row in rows])
        return
    processors = [(n, table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect))
                  for n, name in enumerate(columns)]
    processors = [(n, process) for n, process in processors if process is not None]
    quoted = ", ".join(f'"{name}"' for name in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
    if processors:
        processed = []
        for row in rows:
            values = list(row)
            for n, process in processors:
                values[n] = process(values[n])
            processed.append(tuple(values))
        rows = processed  # type: ignore[assignment]
    conn.exec_driver_sql(sql, rows)


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


def lock_in_order(conn: Any, table: Any, where: Any) -> None:
    """PostgreSQL: lock the rows an UPDATE is about to change, in id order, before it changes them.
    An `UPDATE ... WHERE id IN (...)` locks its rows in the order it finds them, which follows where
    their latest versions happen to lie: two `crm log`s naming the same people (or two people with a
    deal in common) then took them in opposite orders and one died of "deadlock detected" (1 to 3
    in 400 logs of three people each, six writers at once; none since). Taken in id order, the second waits for the
    first instead. SQLite needs nothing: a write holds the whole database from its start."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import select

    conn.execute(select(table.c.id).where(where).order_by(table.c.id).with_for_update(key_share=True))
