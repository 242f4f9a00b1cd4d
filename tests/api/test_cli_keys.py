"""`ironroute keys` and `ironroute db upgrade`: keys printed once, stored as digests."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli.main import app
from api.store.db import current_revision, head_revision
from api.store.keys import KeyStore
from api.store.plans import PlanStore

runner = CliRunner()


def _url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'keys.db'}"


def test_keys_create_prints_the_key_alone_on_its_last_line(tmp_path):
    url = _url(tmp_path)
    result = runner.invoke(
        app, ["keys", "create", "--role", "rep", "--rep-id", "r17", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("irk_") and " " not in key
    store = PlanStore.from_url(url)
    principal = KeyStore(store.engine).authenticate(key)
    assert principal is not None and principal.role == "rep" and principal.rep_id == "r17"
    store.dispose()


def test_keys_are_listed_without_the_key_and_can_be_revoked(tmp_path):
    url = _url(tmp_path)
    created = runner.invoke(
        app, ["keys", "create", "--role", "crm", "--name", "CRM", "--database-url", url]
    )
    key = created.stdout.strip().splitlines()[-1]
    store = PlanStore.from_url(url)
    (info,) = KeyStore(store.engine).list()
    listed = runner.invoke(app, ["keys", "list", "--database-url", url])
    assert listed.exit_code == 0 and info.key_id in listed.stdout and key not in listed.stdout
    revoked = runner.invoke(app, ["keys", "revoke", info.key_id, "--database-url", url])
    assert revoked.exit_code == 0
    assert KeyStore(store.engine).authenticate(key) is None
    again = runner.invoke(app, ["keys", "revoke", info.key_id, "--database-url", url])
    assert again.exit_code == 2 and "no live key" in again.output
    store.dispose()


def test_a_key_whose_role_and_rep_disagree_exits_2(tmp_path):
    url = _url(tmp_path)
    for args in (
        ["--role", "rep"],  # a rep key names its rep
        ["--role", "manager", "--rep-id", "r17"],  # only rep keys have one
        ["--role", "admin"],  # no such role
    ):
        result = runner.invoke(app, ["keys", "create", *args, "--database-url", url])
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output


def test_db_upgrade_creates_the_database_at_the_shipped_head(tmp_path):
    url = _url(tmp_path)
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    store = PlanStore.from_url(url)
    assert current_revision(store.engine) == head_revision()
    store.dispose()
