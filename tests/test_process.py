"""Checks that need a real process: import hygiene, cron's environment, no TTY."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_crm

HEAVY = ("sqlmodel", "sqlalchemy", "textual", "keyring")
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


def test_broken_pipe_is_quiet(isolated: Path) -> None:
    env = {**os.environ, **_cron_env(isolated)}
    subprocess.run([str(Path(sys.executable).with_name("crm")), "demo"], env=env, capture_output=True, check=True)
    pipeline = subprocess.run(f"'{Path(sys.executable).with_name('crm')}' contacts list -f csv | head -n 2",
                              shell=True, env=env, capture_output=True, text=True)
    assert len(pipeline.stdout.splitlines()) == 2
    assert pipeline.stderr == ""
