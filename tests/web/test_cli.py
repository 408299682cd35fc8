from sqlalchemy import select

from campaigns.org.models import ApiToken, Person
from tests.factories import create_person, create_unit
from web.cli import cli


def run(app, *args):
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def test_user_create_and_token_create(app, session):
    create_unit(session, code="mission-fr")
    session.commit()
    result = run(
        app,
        "user",
        "create",
        "--email",
        "Linh@Example.org",
        "--name",
        "Vũ Mai Linh",
        "--role",
        "field",
        "--unit",
        "mission-fr",
        "--password",
        "a-long-password",
    )
    assert result.exit_code == 0, result.output
    person = session.scalars(select(Person).where(Person.email == "linh@example.org")).one()
    assert person.unit.code == "mission-fr"

    result = run(app, "token", "create", "--email", "linh@example.org")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("hrd_")
    assert session.scalars(select(ApiToken)).one().person_id == person.id


def test_user_create_needs_a_unit_for_editors_and_says_so(app, session):
    result = app.test_cli_runner().invoke(
        cli,
        [
            "user",
            "create",
            "--email",
            "e@example.org",
            "--name",
            "E",
            "--role",
            "editor",
            "--password",
            "a-long-password",
        ],
    )
    assert result.exit_code == 1
    assert "unit" in result.output
    assert session.scalars(select(Person)).first() is None


def test_token_for_unknown_or_inactive_person_is_refused(app, session):
    person = create_person(session, active=False)
    session.commit()
    for email in ("nobody@example.org", person.email):
        result = app.test_cli_runner().invoke(cli, ["token", "create", "--email", email])
        assert result.exit_code == 1
        assert "no active person" in result.output


def test_missing_or_weak_secret_key_is_refused_at_start(monkeypatch, tmp_path):
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "HERALD_INSTANCE_PATH": str(tmp_path / "instance"),  # no demo ran there
    }
    for secret, expected in (("", "is not set"), ("short", "too weak")):
        env["HERALD_SECRET_KEY"] = secret
        result = subprocess.run(
            [sys.executable, "-c", "from web.cli import main; main()", "db", "upgrade"],
            env=env,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 2
        assert expected in result.stderr
        assert "Traceback" not in result.stderr


def test_help_works_without_any_configuration(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "--help"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0
    for command in ("demo", "web", "scheduler", "worker", "bot", "db", "user", "token"):
        assert command in result.stdout


def test_backup_of_a_sqlite_database_is_a_readable_copy(tmp_path):
    import sqlite3
    import subprocess
    import sys

    database = tmp_path / "herald.db"
    env = {
        "PATH": "/usr/bin:/bin",
        "HERALD_DATABASE_URL": f"sqlite:///{database}",
        "HERALD_SECRET_KEY": "a-backup-test-secret-that-is-long-enough-123",
    }
    run_cli = [sys.executable, "-c", "from web.cli import main; main()"]
    subprocess.run(
        [*run_cli, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    target = tmp_path / "copy.tar.gz"
    result = subprocess.run(
        [*run_cli, "backup", "--output", str(target)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    import tarfile

    with tarfile.open(target) as archive:
        archive.extract("database.sqlite", tmp_path, filter="data")
    tables = {
        row[0]
        for row in sqlite3.connect(tmp_path / "database.sqlite").execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert {"units", "people", "alembic_version"} <= tables


def test_every_command_finds_the_demo_key_after_herald_demo(tmp_path):
    import subprocess
    import sys

    from web.config import demo_secret_key

    instance = tmp_path / "instance"
    demo_secret_key(instance)  # what `herald demo` leaves behind
    env = {
        "PATH": "/usr/bin:/bin",
        "HERALD_DATABASE_URL": f"sqlite:///{tmp_path}/demo.db",
        "HERALD_INSTANCE_PATH": str(instance),
    }
    run_cli = [sys.executable, "-c", "from web.cli import main; main()"]

    def herald(*args):
        return subprocess.run(
            [*run_cli, *args], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
        )

    upgraded = herald("db", "upgrade")
    created = herald(
        "user", "create", "--email", "ops@example.org", "--name", "Ops", "--role", "admin",
        "--password", "a-long-enough-password",
    )  # fmt: skip
    token = herald("token", "create", "--email", "ops@example.org")

    assert upgraded.returncode == 0, upgraded.stderr
    assert created.returncode == 0, created.stderr
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().splitlines()[-1].startswith("hrd_")
    assert "HERALD_SECRET_KEY" not in token.stderr
