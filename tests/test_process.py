"""Checks that need a real process: import hygiene, cron's environment, no TTY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import CRM, run_crm

HEAVY = ("sqlmodel", "sqlalchemy", "textual", "keyring", "rapidfuzz")
UI = ("typer", "textual", "rich")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["contacts", "--help"]])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys, json, io\n"
        f"sys.argv = ['crm', *{args!r}]\n"
        "real = sys.stdout; sys.stdout = io.StringIO()\n"
        "from crmcli.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "sys.stdout = real\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = _modules_after(code)
    assert not {m.split(".")[0] for m in loaded} & set(HEAVY)


def test_write_path_stays_lean(tmp_path: Path) -> None:
    """`crm contacts add` loads no table renderer, keyring, TUI or email-validator (for plain addresses)."""
    code = (
        "import sys, json\n"
        f"sys.argv = ['crm', '--db', {str(tmp_path / 'lean.db')!r}, 'contacts', 'add', 'Ann Lee', '-e', "
        "'ann@acme.example', '-p', '+44 20 7946 0000', '-o', 'Acme', '-t', 'vip']\n"
        "from crmcli.cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = {m.split(".")[0] for m in _modules_after(code)}
    assert "sqlmodel" in loaded and "phonenumbers" in loaded
    assert not loaded & {"rich", "keyring", "textual", "email_validator", "alembic"}


def test_start_up_runs_without_the_collector_and_the_command_with_it(tmp_path: Path) -> None:
    """The console script pauses the cyclic collector while it imports; opening the database ends
    start-up: what exists then is frozen and the collector is on for the command's own work."""
    code = (
        "import sys, json, gc\n"
        f"sys.argv = ['crm', '--db', {str(tmp_path / 'gc.db')!r}, 'contacts', 'add', 'Ann Lee']\n"
        "from crmcli.cli.entry import main\n"
        "from crmcli import context\n"
        "seen = []\n"
        "real = context.AppContext.open_database\n"
        "def spy(self, **kw):\n"
        "    seen.append(gc.isenabled())\n"
        "    return real(self, **kw)\n"
        "context.AppContext.open_database = spy\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "print(json.dumps([seen[0], gc.isenabled(), gc.get_freeze_count() > 10_000]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.splitlines()[-1]) == [False, True, True]


def test_the_collector_is_left_alone_where_the_console_script_did_not_pause_it() -> None:
    import gc

    from crmcli import startup

    assert gc.isenabled()
    startup.resume_collector()  # a test process, the TUI in a test: nothing paused, nothing to do
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_core_storage_and_io_import_no_ui() -> None:
    code = (
        "import sys, json, pkgutil, importlib\n"
        "import crmcli.core, crmcli.storage, crmcli.io\n"
        "for pkg in (crmcli.core, crmcli.storage, crmcli.io):\n"
        "    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = _modules_after(code)
    assert "crmcli.core.contacts" in loaded and "crmcli.storage.database" in loaded
    assert not {m.split(".")[0] for m in loaded} & set(UI)
    # Nothing runs upward either: the core serves both front ends and imports neither.
    assert not {m for m in loaded if m.split(".")[:2] in (["crmcli", "cli"], ["crmcli", "tui"])}


# The layers, lowest first: what each package's modules may import of crmcli, anywhere in the file
# (lazy imports inside functions and TYPE_CHECKING blocks included). io writes and reads formats and
# files; storage keeps the data (and writes its files through io); the core is the CRM on top of both.
# The front ends (cli, tui) and the settings (config, context) sit above all three.
LAYERS = {
    "io": {"errors", "io"},
    "storage": {"errors", "io", "storage"},
    "core": {"errors", "io", "storage", "core"},
}


def _crmcli_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import of a crmcli module in the file, however it is written."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from crmcli import cli` names a package as surely as `import crmcli.cli` does
            found += ([(node.lineno, f"crmcli.{alias.name}") for alias in node.names] if node.module == "crmcli"
                      else [(node.lineno, node.module)])
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{path}:{node.lineno}: a relative import; write crmcli.... in full")
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return sorted((line, name) for line, name in found if name == "crmcli" or name.startswith("crmcli."))


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_imports_only_what_is_below_it(layer: str) -> None:
    package = Path(__file__).parents[1] / "crmcli" / layer
    files = sorted(package.rglob("*.py"))
    assert len(files) > 2
    wrong = [f"{path.relative_to(package.parent)}:{line} imports {name}"
             for path in files for line, name in _crmcli_imports(path)
             if name == "crmcli" or name.split(".")[1] not in LAYERS[layer]]
    assert not wrong, "\n".join(wrong)


def test_the_layer_scan_sees_every_way_of_importing(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text("import crmcli.cli.main\nfrom crmcli import tui\nfrom crmcli.config import load, Settings\n"
                      "def f():\n    from crmcli.core import deals\n    importlib.import_module('crmcli.tui.app')\n"
                      "import os\nfrom typing import TYPE_CHECKING\n")
    assert _crmcli_imports(source) == [(1, "crmcli.cli.main"), (2, "crmcli.tui"), (3, "crmcli.config"),
                                       (5, "crmcli.core"), (6, "crmcli.tui.app")]


def _cron_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C", "LC_ALL": "C",
            "XDG_DATA_HOME": str(home / ".local" / "share"), "XDG_CONFIG_HOME": str(home / ".config")}


def test_non_ascii_names_under_lang_c_without_tty(isolated: Path) -> None:
    env = _cron_env(isolated)
    stdin = subprocess.DEVNULL
    add = run_crm("contacts", "add", "Zoë Øster", "--email", "zoë@øster.example", "--org", "Ørsted Søn",
                  env=env, stdin=stdin)
    assert add.returncode == 0, add.stderr
    assert "Zoë Øster" in add.stderr
    for fmt in ("table", "csv", "tsv", "json", "ndjson"):
        listed = run_crm("contacts", "list", "--format", fmt, env=env, stdin=stdin)
        assert listed.returncode == 0, listed.stderr
        assert "Zoë Øster" in listed.stdout
    shown = run_crm("contacts", "show", "zoe oster", env=env, stdin=stdin)
    assert shown.returncode == 0 and "Ørsted Søn" in shown.stdout
    for args in (("contacts", "edit", "øster", "--title", "Directrice générale", "--tag", "café"),
                 ("contacts", "tag", "zoë", "ünïcode"), ("contacts", "untag", "zoë", "ünïcode"),
                 ("orgs", "show", "orsted"), ("orgs", "list"), ("orgs", "edit", "ørsted", "--name", "Ørsted Søn A/S"),
                 ("db", "check"), ("config", "list"), ("contacts", "rm", "zoë", "--yes")):
        done = run_crm(*args, env=env, stdin=stdin)
        assert done.returncode == 0, (args, done.stderr)
        assert "Error" not in done.stderr and "Traceback" not in done.stderr
    missing = run_crm("contacts", "show", "Zoë Nobody", env=env, stdin=stdin)
    assert missing.returncode == 3 and missing.stderr == "crm: no contact matches 'Zoë Nobody'; try `crm contacts list`\n"


def test_rm_without_tty_refuses_instead_of_prompting(isolated: Path) -> None:
    env = {**os.environ, **_cron_env(isolated)}
    run_crm("contacts", "add", "Keep Me", env=env, stdin=subprocess.DEVNULL)
    result = run_crm("contacts", "rm", "keep", env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "refused without --yes" in result.stderr
    assert "Keep Me" in run_crm("contacts", "list", env=env, stdin=subprocess.DEVNULL).stdout


def test_version_and_module_entry_point() -> None:
    from crmcli import __version__

    assert run_crm("--version").stdout == f"crm {__version__}\n"
    module = subprocess.run([sys.executable, "-m", "crmcli", "--version"], capture_output=True, text=True)
    assert module.stdout == f"crm {__version__}\n"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """cron's environment with the demo database filled once for the module."""
    home = tmp_path_factory.mktemp("demo-home")
    env = {**os.environ, **_cron_env(home)}
    env = {k: v for k, v in env.items() if not k.startswith("CRMCLI_")}
    subprocess.run([str(CRM), "demo"], env=env, capture_output=True, check=True)
    return env


READERS_GONE = [f"--demo {args}" for args in (
    "contacts list -f csv", "contacts list -f tsv", "contacts list -f json", "contacts list -f ndjson",
    "contacts list -q", "contacts list", "notes list --all -f csv", "timeline 1 --all", "fu list --all -f json",
    "deals list --all", "search invoice")] + ["--help", "", "contacts", "contacts list --help"]


@pytest.mark.parametrize("args", READERS_GONE)
@pytest.mark.parametrize("reader", ["head -n 1", "true"])
def test_a_reader_closing_the_pipe_early_is_not_an_error(demo_home: dict[str, str], args: str, reader: str) -> None:
    # `true` has gone before crm writes a byte, so every write meets a closed pipe; `head` leaves mid-stream.
    script = f"set -o pipefail; '{CRM}' {args} | {reader}"
    pipeline = subprocess.run(["bash", "-c", script], env=demo_home, capture_output=True, text=True)
    assert pipeline.returncode == 0, pipeline.stderr
    assert pipeline.stderr == ""
    if reader.startswith("head"):
        assert len(pipeline.stdout.splitlines()) == 1


def _crm_bytes(args: list[bytes], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([os.fsencode(str(CRM)), *args], input=stdin, capture_output=True, env=env, timeout=60)


@pytest.mark.parametrize("lang", ["C", "C.UTF-8"])
def test_invalid_utf8_gets_a_clear_line_and_writes_nothing(isolated: Path, lang: str) -> None:
    env = {**os.environ, **_cron_env(isolated), "LANG": lang, "LC_ALL": lang}
    assert _crm_bytes([b"contacts", b"add", "Søren Kierkegaard".encode()], env).returncode == 0
    cases = [
        ([b"log", b"soren", b"-"], b"fine first line\n\xff\xfe bad\n", "stdin line 2, column 1: not valid UTF-8 (byte 0xff)"),
        ([b"log", b"soren", b"-"], b"caf\xc3", "stdin line 1, column 4: not valid UTF-8 (byte 0xc3)"),
        ([b"log", b"soren", b"-"], b"a\x00b", "stdin line 1, column 2: a NUL character, which crm does not store"),
        ([b"contacts", b"add", b"\xff\xfe"], b"", "argument 3 (b'\\xff\\xfe') is not valid UTF-8"),
        ([b"log", b"soren", b"Called \xe9milie"], b"", "argument 3 (b'Called \\xe9milie') is not valid UTF-8"),
    ]
    for args, stdin, message in cases:
        result = _crm_bytes(args, env, stdin)
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert err == f"crm: {message}" + err[len(f"crm: {message}"):] and err.count("\n") == 1, err
        assert "internal error" not in err and result.stdout == b""
    listed = _crm_bytes([b"notes", b"list", b"-q"], env)
    assert listed.stdout == b"" and listed.returncode == 0  # nothing was logged


def _as_nobody(action: Callable[[], str]) -> str:
    """Run `action` in a child process that has dropped root, so permissions apply as to a user."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read)
        try:
            os.setgid(65534)
            os.setuid(65534)
            message = action()
        except BaseException as err:  # noqa: BLE001 - reported to the parent
            message = f"{type(err).__name__}: {err}"
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        out = pipe.read().decode()
    os.waitpid(pid, 0)
    return out


def _open_message(path: Path) -> str:
    from crmcli.errors import StorageError
    from crmcli.storage.database import Database

    try:
        Database.open(str(path)).dispose()
    except StorageError as err:
        return str(err)
    return "opened"


@pytest.mark.skipif(os.geteuid() != 0, reason="drops root to a plain user to make permissions bite")
def test_permission_problems_each_get_their_own_line() -> None:
    import shutil
    import tempfile

    from crmcli.storage.database import Database

    tmp_path = Path(tempfile.mkdtemp(prefix="crm-perm-", dir="/tmp"))  # pytest's own folder is closed to others
    tmp_path.chmod(0o755)
    try:
        _check_permission_messages(tmp_path)
    finally:
        shutil.rmtree(tmp_path)


def _check_permission_messages(tmp_path: Path) -> None:
    from crmcli.storage.database import Database

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    Database.open(str(locked / "crm.db")).dispose()
    assert _as_nobody(lambda: _open_message(locked / "crm.db")) == (
        f"cannot reach database {locked / 'crm.db'}: no permission to enter the folder {locked} (mode 0700, owner root)")
    readable = tmp_path / "readable"
    readable.mkdir(mode=0o755)
    Database.open(str(readable / "crm.db")).dispose()
    (readable / "crm.db").chmod(0o600)
    assert _as_nobody(lambda: _open_message(readable / "crm.db")) == (
        f"cannot read database {readable / 'crm.db'}: the file's permissions do not allow you (mode 0600, owner root)")
    assert _as_nobody(lambda: _open_message(readable / "new.db")) == (
        f"cannot create database {readable / 'new.db'}: no permission to write in the folder {readable} "
        "(mode 0755, owner root)")


def test_pauses_nest_and_only_the_outermost_turns_the_collector_back_on() -> None:
    """The TUI's launch pauses again around textual's import while the database opening inside it
    resumes once: the collector comes back at the launch's end, not midway."""
    import gc

    from crmcli import startup

    try:
        startup.pause_collector()       # the console script
        startup.pause_collector()       # the TUI's launch
        startup.resume_collector()      # the database opened inside it
        assert not gc.isenabled()
        startup.resume_collector()      # the launch done
        assert gc.isenabled() and gc.get_freeze_count() > 0
        gc.disable()                    # someone else's choice: a pause and resume keep it
        startup.pause_collector()
        startup.resume_collector()
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
