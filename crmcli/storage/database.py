"""Engine, sessions and transactions.

SQLite: WAL, foreign keys on, and `BEGIN IMMEDIATE` for every write transaction (a deferred
transaction that reads then writes fails under a second writer even with busy_timeout). A writer
waits up to BUSY_TIMEOUT_MS for another one to finish: an import holds the write lock for its whole
transaction (a few thousand contacts: about 0.5 s on an idle machine, 3.7 s measured on a loaded one;
100,000 contacts: about 9 s), and a `crm log` typed meanwhile must wait for it, not fail. Whoever
waits longer than NOTICE_AFTER_MS is told (Database.on_wait), so a long wait is not a silent hang.
Every command runs in one transaction: all of it lands or none of it does.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm.exc import StaleDataError

from crmcli.errors import Conflict, CrmError, StorageError
from crmcli.storage import migrations

if TYPE_CHECKING:
    from sqlmodel import Session

    from crmcli.storage.audit import Actor

BUSY_TIMEOUT_MS = 60_000  # how long a write waits for the write lock before it gives up
NOTICE_AFTER_MS = 2_000   # a wait longer than this is told (on_wait)
MIGRATION_BACKUP = ".bak-v"  # `crm.db.bak-v8`: the file as it was at version 8, before a migration


class Database:
    """One crmcli store: a SQLite file or a SQLAlchemy URL (PostgreSQL for teams)."""

    def __init__(self, target: str) -> None:
        self.target = target
        # A `sqlite:///FILE` URL is that file, as its path would be: created 0600, WAL, the write
        # lock at BEGIN, the live watch, backups (made by SQLAlchemy, it was world-readable, and
        # had none of the rest). Other SQLite URLs (in memory, URI options) stay URLs.
        self.path: Path | None = _sqlite_file(target) if "://" in target else Path(target).expanduser()
        self.is_url = self.path is None
        self._engine: Engine | None = None
        # Who the audit history records for this process's writes (storage/audit.py); the front
        # ends set it, and a bare Database (scripts, tests) records the login name.
        self.actor: "Actor | None" = None
        self._audited: bool | None = None  # whether the schema has the audit history (version 9+)
        # Told (with describe()) when a write has waited NOTICE_AFTER_MS for another process's write
        # to finish and goes on waiting; the CLI says so on a terminal.
        self.on_wait: Callable[[str], None] | None = None

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, target: str, *, migrate: bool = True) -> "Database":
        db = cls(target)
        if db.path is not None:
            db._create_file()
        db._engine = db._make_engine()
        if migrate:
            db.ensure_schema()
            db._audited = True
        return db

    @property
    def engine(self) -> Engine:
        assert self._engine is not None, "Database.open() first"
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def describe(self) -> str:
        return str(self.path) if self.path is not None else self.engine.url.render_as_string(hide_password=True)

    def _create_file(self) -> None:
        """Create the file on first use with mode 0600: it holds other people's personal data."""
        assert self.path is not None
        try:
            exists = self.path.exists()
        except PermissionError:
            raise StorageError(_unreachable(self.path)) from None
        if exists:
            if self.path.is_dir():
                raise StorageError(f"cannot use {self.path} as a database: it is a directory")
            if not os.access(self.path, os.R_OK):
                raise StorageError(f"cannot read database {self.path}: the file's permissions do not allow you "
                                   f"({_mode(self.path)})")
            return
        try:
            if not self.path.parent.is_dir():
                self.path.parent.mkdir(mode=0o700, parents=True)
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError as err:
            if err.filename and Path(err.filename) == self.path:
                return  # another process created it a moment ago
            raise StorageError(f"cannot create database at {self.path}: Not a directory") from None
        except PermissionError:
            raise StorageError(_unreachable(self.path)) from None
        except OSError as err:
            raise StorageError(f"cannot create database at {self.path}: {err.strerror}") from None

    def _make_engine(self) -> Engine:
        if self.path is None:
            return self._make_url_engine()
        engine = create_engine(f"sqlite:///{self.path}")
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        event.listen(engine, "commit", _sqlite_on_commit)
        return engine

    def _make_url_engine(self) -> Engine:
        from sqlalchemy.engine import make_url

        from crmcli.storage import secrets

        try:
            url = make_url(self.target)
        except exc.ArgumentError as err:
            raise StorageError(f"cannot use database URL {self.target!r}: {err}") from None
        secrets.refuse_inline_password(url)
        if url.get_backend_name() not in ("postgresql", "sqlite"):
            raise StorageError(f"unsupported database {url.get_backend_name()!r}: use a SQLite file or "
                               "postgresql+psycopg://user@host/db")
        try:
            engine = create_engine(url, pool_pre_ping=False)
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as err:
            raise StorageError(f"cannot use database URL {self.target!r}: {err} "
                               "(for PostgreSQL: pip install 'crmcli[postgres]')") from None
        if url.get_backend_name() == "postgresql":
            event.listen(engine, "do_connect", _PasswordWhenAsked(url))
            event.listen(engine, "connect", _postgresql_on_connect)
        event.listen(engine, "begin", _audit_on_begin)
        return engine

    # -- schema --------------------------------------------------------------------------------

    def schema_version(self) -> int | None:
        """The applied migration count; None for an empty database. One cheap query."""
        with translate_errors(self), self.engine.connect() as conn:
            try:
                return conn.exec_driver_sql("SELECT max(version) FROM crm_migrations").scalar() or 0
            except exc.DBAPIError as err:
                conn.rollback()
                if "no such table" not in str(err.orig) and "does not exist" not in str(err.orig):
                    raise
                if self._has_tables(conn):
                    raise StorageError(f"{self.describe()} is a database, but not a crmcli one "
                                       "(no crm_migrations table)", hint="db") from None
                return None

    def _has_tables(self, conn: Connection) -> bool:
        from sqlalchemy import inspect

        return bool(inspect(conn).get_table_names())

    def ensure_schema(self) -> list[str]:
        """Bring the schema up to date; back up an existing SQLite file before changing it."""
        current = self.schema_version()
        if current == migrations.LATEST:
            return []
        if current is not None and current > migrations.LATEST:
            raise StorageError(f"{self.describe()} has schema version {current}, newer than this crmcli "
                               f"understands ({migrations.LATEST}); upgrade crmcli")
        backup = None
        if current and self.path is not None:
            backup = self.path.with_name(f"{self.path.name}{MIGRATION_BACKUP}{current}")
            self.backup(backup)
        with self.connect(write=True, audit=False) as conn:
            applied = migrations.apply(conn, current or 0)
        if backup is not None:
            applied.append(f"(backup of the previous version kept at {backup})")
        return applied

    def migration_backups(self) -> list[Path]:
        """The copies `ensure_schema` kept beside a SQLite file before migrating it (`crm.db.bak-v8`)."""
        if self.path is None:
            return []
        stem = f"{self.path.name}{MIGRATION_BACKUP}"
        return sorted(found for found in self.path.parent.glob(f"{glob_escape(stem)}*")
                      if found.name[len(stem):].isdigit())

    # -- transactions --------------------------------------------------------------------------

    def _writing(self, audit: bool) -> Engine:
        """The engine for one write transaction: BEGIN IMMEDIATE on SQLite, and the audit history's
        command named at its start (unless `audit` is off: migrations, or a schema without it)."""
        if audit and self._audited is None:
            current = self.schema_version()
            self._audited = bool(current) and current >= migrations.AUDITED_SINCE
        recorded = audit and self._audited
        return self.engine.execution_options(crm_write=True, crm_audit=self if recorded else None, crm_db=self)

    @contextmanager
    def connect(self, *, write: bool = False, audit: bool = True) -> Iterator[Connection]:
        """A Core connection inside one transaction (BEGIN IMMEDIATE when write=True)."""
        engine = self._writing(audit) if write else self.engine
        with translate_errors(self):
            with engine.begin() as conn:
                yield conn

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator["Session"]:
        """An ORM session inside one transaction, committed at the end, rolled back on any error."""
        from sqlmodel import Session

        bind = self._writing(True) if write else self.engine
        with translate_errors(self):
            with Session(bind, expire_on_commit=False) as session:
                with session.begin():
                    yield session

    # -- maintenance ---------------------------------------------------------------------------

    def backup(self, dest: Path, *, replace: bool = True) -> None:
        """A consistent copy through SQLite's online backup API (safe while others write), mode 0600.

        Without `replace` an existing `dest` is refused (Conflict) and left untouched. The copy is
        written beside `dest` and renamed over it only when complete, so a failed backup leaves
        `dest` as it was; a -wal/-journal left beside `dest` is removed first, since SQLite would
        otherwise replay it onto the new copy. (Migrations call this with `replace`: their
        `.bak-vN` copy of the same version may be redone.)"""
        import sqlite3

        if self.path is None:
            raise StorageError("backup copies SQLite files; for PostgreSQL use pg_dump")
        dest = Path(dest).expanduser()
        if dest.resolve() == self.path.resolve():
            raise StorageError("backup target is the database itself; choose another file")
        if dest.is_dir():
            raise StorageError(f"cannot write backup {dest}: it is a directory")
        from crmcli.io.files import replacing

        tmp: Path | None = None
        placeholder = False  # a new dest we created to claim the name
        try:
            if not replace:
                try:
                    os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                except FileExistsError:
                    raise Conflict(f"backup target {dest} already exists", hint="force") from None
                placeholder = True
            with replacing(dest, keep_mode=False) as tmp:  # a copy of the data: private (0600)
                src = sqlite3.connect(self.path)
                try:
                    target = sqlite3.connect(tmp)
                    try:
                        # In one step (pages=-1): the whole copy is read in one read transaction, a
                        # snapshot that writers meanwhile (WAL) neither block nor change. Stepped a few
                        # pages at a time, each write between steps restarts the copy from the start:
                        # measured on a 177 MB file with a commit every few ms, one step took 2.1-2.5 s
                        # and never restarted; 1,000 or 100 pages a step had not finished after 10 s
                        # (9 to 992 restarts). tests/proofs/test_backup_under_writers.py backs up
                        # while crm commands write, and checks each copy.
                        src.backup(target, pages=-1)
                    finally:
                        target.close()
                finally:
                    src.close()
                for suffix in ("-wal", "-shm", "-journal"):
                    dest.with_name(dest.name + suffix).unlink(missing_ok=True)
            placeholder = False
        except OSError as err:
            raise StorageError(f"cannot write backup {dest}: {err.strerror}") from None
        except sqlite3.Error as err:
            raise StorageError(f"backup to {dest} failed: {err}") from None
        finally:
            leftovers = (tmp, tmp.with_name(tmp.name + "-journal")) if tmp is not None else ()
            for leftover in leftovers + ((dest,) if placeholder else ()):
                try:
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///FILE` URL; None for any other URL."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        return None  # said when the engine is made
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or parsed.query or database in ("", ":memory:") \
            or database.startswith("file:"):
        return None
    return Path(database).expanduser()


class _PasswordWhenAsked:
    """Connect without a password first, and look one up (CRMCLI_DB_PASSWORD, then the keyring) only
    when the server asks for it: a server that trusts the login, or libpq's PGPASSWORD and
    ~/.pgpass, never pay for the keyring (loading it finds its backends: ~150 ms per command here).
    The password found serves the engine's later connections."""

    def __init__(self, url: object) -> None:
        self._url = url
        self._password: str | None = os.environ.get("CRMCLI_DB_PASSWORD") or None

    def __call__(self, dialect, _record, cargs, cparams):  # type: ignore[no-untyped-def]
        from crmcli.storage import secrets

        if self._password is not None:
            cparams["password"] = self._password
            return None  # connect as usual, with it
        try:
            return dialect.connect(*cargs, **cparams)
        except dialect.loaded_dbapi.OperationalError as err:
            if "no password supplied" not in str(err):
                raise
            self._password = secrets.lookup(self._url)
            if not self._password:
                raise
        cparams["password"] = self._password
        return dialect.connect(*cargs, **cparams)


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so writes can say IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    # Statement journals in memory: every write that fires the audit triggers keeps one, and as a
    # temp file it cost a 100,000-row import more than the rows themselves.
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.close()


def _postgresql_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Times come back in the session's time zone, which is the server's unless set: a server set up in
    # New York handed out -05:00 times, which SQLite (a db copy, an export) stored as their wall clock,
    # and SQL saw New York's days. crm stores UTC and shows local time itself: read UTC, as SQLite does.
    # A SET, not a startup option: connection poolers (PgBouncer) refuse startup options.
    dbapi_conn.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.commit()


def _sqlite_on_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get("crm_write"):
        _begin_immediate(conn, options.get("crm_db"))
    else:
        conn.exec_driver_sql("BEGIN")
    _audit_on_begin(conn)


def _begin_immediate(conn: Connection, db: Database | None) -> None:
    """Take the write lock, waiting up to BUSY_TIMEOUT_MS for another writer (the connection's
    busy_timeout); past NOTICE_AFTER_MS the database's on_wait is told once, then the wait goes on.
    Only here does a crm write wait: in WAL mode reads never wait for writers, and a transaction
    that holds the write lock from its start never meets another at commit."""
    on_wait = db.on_wait if db is not None else None
    if on_wait is None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    conn.exec_driver_sql(f"PRAGMA busy_timeout = {NOTICE_AFTER_MS}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except exc.OperationalError as err:
        if not _is_busy(err):
            raise
        on_wait(db.describe())  # type: ignore[union-attr]
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS - NOTICE_AFTER_MS}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _is_busy(err: exc.DBAPIError) -> bool:
    """SQLite's "database is locked" (or busy); the first line only: PostgreSQL's deadlock report
    says "blocked by process" further down."""
    lowered = _first_line(err.orig).lower()
    return "locked" in lowered or "busy" in lowered


def _audit_on_begin(conn: Connection) -> None:
    db = conn.get_execution_options().get("crm_audit")
    if db is not None:
        from crmcli.storage import audit

        audit.begin(conn, db.actor or audit.Actor())


def _sqlite_on_commit(conn: Connection) -> None:
    if conn.get_execution_options().get("crm_audit") is not None:
        from crmcli.storage import audit

        audit.finish_sqlite(conn.connection.driver_connection)


@contextmanager
def translate_errors(db: Database) -> Iterator[None]:
    """Turn driver errors into one clear line for the user; domain errors pass through."""
    try:
        yield
    except CrmError:
        raise
    except StaleDataError:  # a versioned record's update found another version than the one read
        raise Conflict("a record was changed by someone else while you saved; nothing was saved: try again") \
            from None
    except exc.IntegrityError as err:
        raise Conflict(f"the change conflicts with existing data: {_first_line(err.orig)}") from None
    except exc.DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) in ("40001", "40P01"):  # PostgreSQL: serialization failure, deadlock
            raise Conflict("another process's change crossed this one; nothing was saved: try again") from None
        raise StorageError(_describe_db_error(db, err)) from None


def _unreachable(path: Path) -> str:
    """Which folder on the way to `path` the user may not enter (or write to, to create the file)."""
    for folder in reversed(path.absolute().parents):
        if folder.exists() and not os.access(folder, os.X_OK):
            return f"cannot reach database {path}: no permission to enter the folder {folder} ({_mode(folder)})"
    folder = next((f for f in path.absolute().parents if f.exists()), path.parent)
    return f"cannot create database {path}: no permission to write in the folder {folder} ({_mode(folder)})"


def _mode(path: Path) -> str:
    """`mode 0700, owner alice`: what a user needs to see to fix a permission problem."""
    import pwd
    import stat

    try:
        info = path.stat()
    except OSError:
        return "permissions unknown"
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    return f"mode {stat.S_IMODE(info.st_mode):04o}, owner {owner}"


def _first_line(err: object) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _describe_db_error(db: Database, err: exc.DBAPIError) -> str:
    message = _first_line(err.orig)
    where = db.describe()
    lowered = message.lower()
    if "no password supplied" in lowered:
        return (f"{where} asks for a password and none was found: store it with `crm db password set` "
                "(the OS keyring), or set CRMCLI_DB_PASSWORD, or use PGPASSWORD or ~/.pgpass")
    if "password authentication failed" in lowered:
        return (f"{where} refused the password: store the right one with `crm db password set` "
                "(or check CRMCLI_DB_PASSWORD, PGPASSWORD, ~/.pgpass)")
    if _is_busy(err):
        return f"database {where} is locked by another process (waited {BUSY_TIMEOUT_MS // 1000} s); try again"
    if "not a database" in lowered or "malformed" in lowered:
        return f"{where} is not a usable SQLite database ({message})"
    if "unable to open" in lowered:
        return f"cannot open database {where}; check that the folder exists and is writable"
    if "readonly" in lowered or "read-only" in lowered:
        return f"database {where} is read-only; check the file's permissions"
    return f"database error on {where}: {message}"
