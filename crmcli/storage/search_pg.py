"""PostgreSQL's full-text index: the two indexes SQLite keeps with FTS5 (search_index.py), here as
tables of tsvectors with GIN indexes, kept in step by triggers in the writing transaction.

- `interaction_fts (rowid, doc)`: an interaction's body (weight D) and the folded names of its
  people (weight A: a match on who took part ranks above a mention in the text; the weights also
  tell the two apart, as SQLite's columns do, for words whose forms differ: see core/search.py).
- `entity_fts (rowid, doc)`: the records with names, rowid = search_index.record_key; the name
  (weight A) and the rest (weight B), what SQLite's `name` and `detail` columns hold.

Why tables kept by triggers, and not generated columns or expression indexes: a document reads
other tables (an interaction's people, a contact's organisation and emails), which neither may;
and a column added to the data tables would be copied, exported and written to the audit history.

Text becomes words as FTS5's unicode61 makes them (`crm_search_text`): accents off (the `unaccent`
extension, trusted since PostgreSQL 13, so the database's owner may create it; `crm_unaccent`
names its dictionary so that the call is immutable), ASCII punctuation a separator (PostgreSQL's
parser would keep `ann@acme.example` or `acme.example/q3` as one word, where unicode61 finds
`acme`), and each character of the scripts written without spaces set apart (`SPACELESS`, as
`spaced` does: `李` is a word of "和李先生开会"). Then `to_tsvector('simple')`: lower case, no
stemming, no stop words, as SQLite does, since names and notes come in any language. A query's
words go through the same function (core/search.py), so both sides always agree.

Bulk loads (`suspended`): the triggers wait while `crmcli.search` is 'off' (a setting of the
transaction, which any user may make), and the index is rebuilt once at the end.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from crmcli.storage.search_index import KINDS, SPACELESS, record_key

# Characters that are never part of a word: ASCII punctuation and controls (unaccent has made most
# other punctuation ASCII already: “”–…). As a regular expression class, in PostgreSQL's syntax.
_SEPARATORS = r"[\u0001-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007f]+"
_SPACELESS = "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in SPACELESS) + "]"


def _unaccent(conn: Connection) -> str:
    """`crm_unaccent`, calling the extension where it is: in public, unless a database has it elsewhere."""
    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    schema = conn.exec_driver_sql("SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n "
                                  "ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'").scalar_one()
    return ("CREATE FUNCTION crm_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
            f"AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$")


FUNCTIONS = (  # after crm_unaccent
    "CREATE FUNCTION crm_search_text(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    f"AS $$ SELECT regexp_replace(regexp_replace(crm_unaccent($1), '{_SEPARATORS}', ' ', 'g'), "
    f"'({_SPACELESS})', ' \\1 ', 'g') $$",
    # The words of a text, each marked with `weight` (the column it stands for).
    "CREATE FUNCTION crm_search_words(text, \"char\") RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE "
    "AS $$ SELECT setweight(to_tsvector('simple'::regconfig, crm_search_text(coalesce($1, ''))), $2) $$",
)

# What each document holds, as views (the triggers and a rebuild read the same ones).
# (Names and emails in order, so that a document is the same whichever plan reads them.)
_PEOPLE = ("(SELECT string_agg(c.name_key, ' ' ORDER BY c.name_key) FROM interaction_contact ic "
           "JOIN contact c ON c.id = ic.contact_id WHERE ic.interaction_id = i.id)")
_EMAILS = "(SELECT string_agg(e.address, ' ' ORDER BY e.position, e.id) FROM contact_email e WHERE e.contact_id = c.id)"
VIEWS = {
    "search_interaction": f"SELECT i.id, crm_search_words(i.body, 'D') || crm_search_words({_PEOPLE}, 'A') AS doc "
                          "FROM interaction i",
    "search_contact": "SELECT c.id, crm_search_words(c.name_key, 'A') || "
                      f"crm_search_words(concat_ws(' ', c.title, o.name_key, {_EMAILS}), 'B') AS doc "
                      "FROM contact c LEFT JOIN organization o ON o.id = c.org_id",
    "search_organisation": "SELECT o.id, crm_search_words(o.name_key, 'A') || crm_search_words(o.website, 'B') AS doc "
                           "FROM organization o",
    "search_deal": "SELECT d.id, crm_search_words(d.name_key, 'A') || crm_search_words(d.note, 'B') AS doc FROM deal d",
    "search_follow_up": "SELECT f.id, crm_search_words(f.title, 'A') || crm_search_words(f.note, 'B') AS doc "
                        "FROM follow_up f",
    "search_case": "SELECT k.id, crm_search_words(k.title, 'A') AS doc FROM service_case k",
}
# kind -> (its view, the function indexing records of it by id, its table, the columns it reads)
_RECORDS = {
    "contact": ("search_contact", "crm_fts_contact", "contact", "name_key, title, org_id"),
    "organisation": ("search_organisation", "crm_fts_organisation", "organization", "name_key, website"),
    "deal": ("search_deal", "crm_fts_deal", "deal", "name_key, note"),
    "follow-up": ("search_follow_up", "crm_fts_follow_up", "follow_up", "title, note"),
    "case": ("search_case", "crm_fts_case", "service_case", "title"),
}

TABLES = (
    "CREATE TABLE interaction_fts (rowid integer PRIMARY KEY, doc tsvector NOT NULL)",
    "CREATE INDEX ix_interaction_fts_doc ON interaction_fts USING gin (doc)",
    "CREATE TABLE entity_fts (rowid bigint PRIMARY KEY, doc tsvector NOT NULL)",
    "CREATE INDEX ix_entity_fts_doc ON entity_fts USING gin (doc)",
)


def _indexing(function: str, table: str, select: str) -> str:
    """A function writing the index rows of the ids it is given (none where the view has no row)."""
    return (f"CREATE FUNCTION {function}(integer[]) RETURNS void LANGUAGE sql AS $$ "
            f"INSERT INTO {table} (rowid, doc) {select} WHERE id = ANY($1) "
            "ON CONFLICT (rowid) DO UPDATE SET doc = EXCLUDED.doc $$")


def _record_select(kind: str) -> str:
    return f"SELECT {record_key(kind, 'id')}, doc FROM {_RECORDS[kind][0]}"


INDEXING = (
    _indexing("crm_fts_interaction", "interaction_fts", "SELECT id, doc FROM search_interaction"),
    *(_indexing(function, "entity_fts", _record_select(kind)) for kind, (_, function, _, _) in _RECORDS.items()),
)

_ON = "current_setting('crmcli.search', true) IS DISTINCT FROM 'off'"  # see `suspended`


def _trigger(name: str, events: str, table: str, body: str, when: str = "") -> dict[str, tuple[str, str]]:
    """{name: (its function, the trigger)}: a row trigger after `events`, its function named as it is."""
    return {name: (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$",
                   f"CREATE TRIGGER {name} AFTER {events} ON {table} FOR EACH ROW WHEN ({_ON}{when}) "
                   f"EXECUTE FUNCTION {name}()")}


def _record_trigger(kind: str, and_then: str = "") -> dict[str, tuple[str, str]]:
    _, function, table, columns = _RECORDS[kind]
    return _trigger(f"entity_fts_{table}", f"INSERT OR UPDATE OF {columns} OR DELETE", table,
                    f"IF TG_OP = 'DELETE' THEN DELETE FROM entity_fts WHERE rowid = {record_key(kind, 'OLD.id')}; "
                    f"ELSE PERFORM {function}(ARRAY[NEW.id]); {and_then} END IF;")


# An interaction is indexed again when its body, its links (a merge moves them) or a name of its
# people changes; a deleted contact's or interaction's links go by the foreign key, whose deletes
# fire the link trigger too. (In plpgsql OLD is NULL on INSERT and NEW on DELETE.)
TRIGGERS = {
    **_trigger("interaction_fts_interaction", "INSERT OR UPDATE OF body OR DELETE", "interaction",
               "IF TG_OP = 'DELETE' THEN DELETE FROM interaction_fts WHERE rowid = OLD.id; "
               "ELSE PERFORM crm_fts_interaction(ARRAY[NEW.id]); END IF;"),
    **_trigger("interaction_fts_link", "INSERT OR UPDATE OF contact_id, interaction_id OR DELETE",
               "interaction_contact", "PERFORM crm_fts_interaction(ARRAY[OLD.interaction_id, NEW.interaction_id]);"),
    **_trigger("interaction_fts_contact", "UPDATE OF name_key", "contact",
               "PERFORM crm_fts_interaction(ARRAY(SELECT interaction_id FROM interaction_contact "
               "WHERE contact_id = NEW.id));", " AND OLD.name_key IS DISTINCT FROM NEW.name_key"),
    **_record_trigger("contact"),
    **_trigger("entity_fts_contact_email", "INSERT OR UPDATE OR DELETE", "contact_email",
               "PERFORM crm_fts_contact(ARRAY[OLD.contact_id, NEW.contact_id]);"),
    # A renamed organisation changes what its people are found by, too.
    **_record_trigger("organisation", "PERFORM crm_fts_contact(ARRAY(SELECT id FROM contact WHERE org_id = NEW.id));"),
    **_record_trigger("deal"),
    **_record_trigger("follow-up"),
    **_record_trigger("case"),  # a deleted contact's cases go by the foreign key, whose deletes fire it
}


def create(conn: Connection) -> None:
    """The functions, views, tables and triggers, and the index filled from the current rows."""
    views = [f"CREATE VIEW {name} AS {select}" for name, select in VIEWS.items()]
    statements = [_unaccent(conn), *FUNCTIONS, *views, *TABLES, *INDEXING,
                  *(sql for trigger in TRIGGERS.values() for sql in trigger)]
    for statement in statements:
        conn.exec_driver_sql(statement)
    rebuild(conn)


def drop(conn: Connection) -> None:
    """Everything `create` makes but the extension (other objects may use it)."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS interaction_fts, entity_fts")
    conn.exec_driver_sql(f"DROP VIEW IF EXISTS {', '.join(VIEWS)}")
    functions = ["crm_fts_interaction(integer[])", *(f"{f}(integer[])" for _, f, _, _ in _RECORDS.values()),
                 *(f"{name}()" for name in TRIGGERS), "crm_search_words(text, \"char\")",
                 "crm_search_text(text)", "crm_unaccent(text)"]
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {', '.join(functions)} CASCADE")  # with their triggers


def sources() -> dict[str, str]:
    """Each index table: the SELECT of its rows (rowid, doc) as the data says they are."""
    return {"interaction_fts": "SELECT id, doc FROM search_interaction",
            "entity_fts": " UNION ALL ".join(_record_select(kind) for kind in KINDS)}


# The tables the views read. Their statistics are brought up to date before a rebuild: after a bulk
# load (db copy) they have none yet, and without them the planner reads all contacts for each
# interaction's people (a rebuild of 1M interactions ran over ten minutes instead of one).
_READ = ("interaction", "interaction_contact", "contact", "contact_email", "organization", "deal", "follow_up",
         "service_case")


def rebuild(conn: Connection) -> None:
    """Both indexes made anew from the tables, in one statement each."""
    conn.exec_driver_sql(f"ANALYZE {', '.join(_READ)}")  # skipped, with a warning, by a user who does not own them
    for table, select in sources().items():
        conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql(f"INSERT INTO {table} (rowid, doc) {select}")


def suspend(conn: Connection, suspended: bool) -> None:
    """The triggers wait (until the transaction ends) or work again."""
    conn.exec_driver_sql(f"SELECT set_config('crmcli.search', '{'off' if suspended else 'on'}', true)")
