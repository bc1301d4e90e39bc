"""The service commands: token and user creation, migrations, and the compose topology."""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from app.cli import cli
from app.db.models import ApiToken, Membership, Project, User
from app.db.session import Database

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose environment points at a fresh data directory, nothing else."""
    for key in ("DATABASE_URL", "CVMREVIEW_DATABASE_URL", "CVMREVIEW_BROKER_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return CliRunner(env={"CVMREVIEW_DATA_DIR": str(tmp_path / "data")})


def database(tmp_path: Path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'data' / 'cvmreview.db'}", pool_size=1)


def test_token_create_prints_token_last(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["token", "create", "--project", "ci", "--scopes", "upload"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("cvmr_") and " " not in secret
    db = database(tmp_path)
    with db.read() as session:
        token = session.scalar(select(ApiToken))
        assert token is not None and token.scopes == "upload" and token.project.name == "ci"
    db.dispose()


def test_token_create_honours_data_dir_option(runner: CliRunner, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    result = runner.invoke(cli, ["token", "create", "--project", "p", "--data-dir", str(other)])
    assert result.exit_code == 0, result.output
    assert (other / "cvmreview.db").is_file()
    assert not (tmp_path / "data" / "cvmreview.db").exists()


def test_token_create_rejects_unknown_scope(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["token", "create", "--project", "p", "--scopes", "root"])
    assert result.exit_code == 2
    assert "unknown scope" in result.output


def test_user_create_with_role(runner: CliRunner, tmp_path: Path) -> None:
    args = [
        "user",
        "create",
        "ann",
        "--password",
        "s3cret-pass",
        "--project",
        "p",
        "--role",
        "reviewer",
    ]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(cli, ["user", "create", "bo", "--password", "short"])
    assert short.exit_code == 1 and "8 characters" in short.output
    db = database(tmp_path)
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == "ann"))
        assert user is not None and user.password_hash.startswith("$argon2")
        role = session.scalar(select(Membership.role))
        assert role == "reviewer"
        assert session.scalar(select(Project.name)) == "p"
    db.dispose()


def test_db_upgrade_creates_schema(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "revision" in result.output
    assert (tmp_path / "data" / "cvmreview.db").is_file()


def compose_commands() -> dict[str, list[list[str]]]:
    """Every cvmreview command line each compose service runs."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    found: dict[str, list[list[str]]] = {}
    for name, service in compose["services"].items():
        command = service.get("command")
        if command is None:
            continue
        if command[:2] == ["sh", "-c"]:
            lines = [shlex.split(part) for part in command[2].split("&&")]
        else:
            lines = [list(command)]
        found[name] = [argv[1:] for argv in lines if argv and argv[0] == "cvmreview"]
    return found


def test_compose_runs_postgres_redis_web_and_two_workers() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web"} <= set(services)
    commands = compose_commands()
    workers = [name for name, lines in commands.items() if any(a[0] == "worker" for a in lines)]
    assert len(workers) == 2
    assert [a[0] for a in commands["web"]] == ["db", "serve"]
    for name in ["web", *workers]:
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert environment["CVMREVIEW_BROKER_URL"].startswith("redis://redis:")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_commands_parse_with_the_cli() -> None:
    for service, lines in compose_commands().items():
        for argv in lines:
            context = cli.make_context("cvmreview", list(argv), resilient_parsing=False)
            name, command, rest = cli.resolve_command(context, list(argv))
            assert command is not None, (service, argv)
            while isinstance(command, click.Group):
                sub_context = command.make_context(name or "", rest, parent=context)
                name, command, rest = command.resolve_command(sub_context, rest)
            command.make_context(name or "", rest, parent=context)  # raises on a bad option


def test_demo_loads_labelled_boots_once(runner: CliRunner, tmp_path: Path) -> None:
    from app.db.models import Boot

    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("cvmr_")
    again = runner.invoke(cli, ["demo", "--no-analyse"])
    assert again.exit_code == 0 and "0 demo boot(s) added" in again.output
    db = database(tmp_path)
    with db.read() as session:
        boots = session.scalars(select(Boot)).all()
        project = session.scalar(select(Project).where(Project.name == "demo"))
    db.dispose()
    assert project is not None and project.public_read
    real = [b for b in boots if not b.synthesized]
    synthesized = [b for b in boots if b.synthesized]
    assert real and synthesized and len(boots) == len({b.origin_id for b in boots})
    assert all(b.status == "done" for b in boots)
    assert all(b.provenance and b.provenance.startswith("real log; source: ") for b in real)
    assert all(
        "(synthesized)" in b.name and "SYNTHESIZED" in (b.provenance or "") for b in synthesized
    )
