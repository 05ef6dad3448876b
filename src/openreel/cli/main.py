"""`openreel serve`, `openreel keys create`, `openreel generate`. Flags map one to one onto
Settings fields; anything not given on the command line comes from OPENREEL_* variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from openreel.auth import Tier
from openreel.cli.generate import generate
from openreel.cli.remote import list_models, operations_app
from openreel.settings import Settings

app = typer.Typer(help="openreel: self-hosted video generation that speaks Google's Veo API.",
                  no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.command(help="Generate a video with a progress bar: locally, or on a server with --server.")(generate)
app.add_typer(operations_app, name="operations")
app.command("models", help="The models a server offers and the engine behind each.")(list_models)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="SQLite file and local videos (OPENREEL_DATA_DIR).")]
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="OPENREEL_DATABASE_URL")]


def settings_from(**flags: Any) -> Settings:
    """Settings from the environment, overridden by the flags the user actually gave."""
    return Settings(**{name: value for name, value in flags.items() if value is not None})


@app.command(help="Start the API with in-process workers (embedded defaults: SQLite + local disk).")
def serve(
    host: Annotated[str | None, typer.Option(help="OPENREEL_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="OPENREEL_PORT")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[int | None, typer.Option(help="In-process workers (OPENREEL_WORKERS); 0 = API only.")] = None,
    public_url: Annotated[str | None, typer.Option(help="OPENREEL_PUBLIC_URL")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    from openreel.api.server import run_server
    from openreel.preflight import StartupRefused
    from openreel.runtime import Runtime

    settings = settings_from(host=host, port=port, data_dir=data_dir, database_url=database_url,
                             workers=workers, public_url=public_url)
    try:
        runtime = Runtime.build(settings)  # checks the data dir once, before the server starts
    except StartupRefused as exc:
        typer.echo(f"openreel: refusing to start. {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"openreel listening on http://{settings.host}:{settings.port} "
               f"(data: {settings.data_dir.resolve()}, workers: {settings.workers})")
    typer.echo("Create an API key with:  openreel keys create --project NAME"
               + (f" --data-dir {settings.data_dir}" if data_dir else ""))
    run_server(runtime, log_level)


@keys_app.command("create", help="Create an API key; it is printed once, alone on the last line.")
def create_key(
    tier: Annotated[Tier, typer.Option(help="Rate-limit tier.")] = Tier.FREE,
    project: Annotated[str, typer.Option(help="Project the key acts in (the Vertex path's project).")] = "default",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    from openreel.service.keys import KeyService
    from openreel.store.sql import SqlStore

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    store = SqlStore(settings.resolved_database_url)
    store.migrate()
    key = KeyService(store).create(project, tier)
    store.close()
    typer.echo(f"Created key {key.prefix}… for project '{project}' (tier {tier.value}). "
               "Store it now: it is not shown again.")
    typer.echo(key.plaintext)
