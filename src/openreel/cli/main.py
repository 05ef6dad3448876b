"""The `openreel` command: serve, worker, keys, limits, usage, stats, webhooks, generate, models, operations, db,
safety. Flags
map one to one onto Settings fields; anything not given on the command line comes from OPENREEL_*
variables.

Importing this module loads typer and the command signatures only: every command imports what
it needs (the server, the database, the engines, the client) when it runs, so that --help and
the quick commands answer at once (tests/cli/test_cli_imports.py keeps it so)."""

from __future__ import annotations

from typing import Annotated

import typer

from openreel.cli.data_dir import DatabaseUrl, DataDir, check_database_url, open_data_dir, settings_from
from openreel.cli.db import db_app
from openreel.cli.exit_codes import SUMMARY
from openreel.cli.generate import generate
from openreel.cli.help_format import Command, Group
from openreel.cli.keys import keys_app
from openreel.cli.limits import limits_app
from openreel.cli.remote import list_models, operations_app
from openreel.cli.safety import safety_app
from openreel.cli.stats import HELP as STATS_HELP
from openreel.cli.stats import stats
from openreel.cli.storyboard import storyboard
from openreel.cli.usage import usage
from openreel.cli.webhooks import webhooks_app
from openreel.cli.worker import worker

app = typer.Typer(cls=Group, help="openreel: self-hosted video generation that speaks Google's Veo API.",
                  epilog=SUMMARY, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)  # locals would print API keys
app.command(cls=Command, help="Generate a video with a progress bar: locally, or on a server with --server.")(generate)
app.command("storyboard", cls=Command, help="Make one video from a storyboard file (YAML or JSON): scenes with "
                                           "cuts or dissolves, locally or on a server with --server.")(storyboard)
app.command("models", cls=Command, help="The models a server offers and the engine behind each.")(list_models)
app.add_typer(keys_app, name="keys")
app.add_typer(limits_app, name="limits")
app.add_typer(operations_app, name="operations")
app.command("stats", cls=Command, help=STATS_HELP)(stats)
app.command("usage", cls=Command, help="A project's usage and cost: one record per finished operation.")(usage)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(db_app, name="db")
app.add_typer(safety_app, name="safety")
app.command("worker", cls=Command, help="Run a worker process of a scale-out deployment: it serves the models named, "
                                         "from the Celery queue at OPENREEL_QUEUE_URL.")(worker)


@app.command(cls=Command, help="Start the API with in-process workers (embedded defaults: SQLite + local disk).")
def serve(
    host: Annotated[str | None, typer.Option(show_default=False,
                                             help="Address to listen on (OPENREEL_HOST; default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(show_default=False,
                                             help="Port to listen on (OPENREEL_PORT; default 8000).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[int | None, typer.Option(show_default=False,
                                                help="In-process workers, 0 for an API-only replica "
                                                     "(OPENREEL_WORKERS; default 1).")] = None,
    public_url: Annotated[str | None, typer.Option(show_default=False,
                                                   help="Scheme and host of video URIs, e.g. "
                                                        "https://videos.example.com behind TLS "
                                                        "(OPENREEL_PUBLIC_URL; default: each "
                                                        "request's own).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn's log level.")] = "info",
) -> None:
    from openreel.api.server import run_server
    from openreel.cli.announce import announcer
    from openreel.errors import OpenreelError
    from openreel.observability.tracing import configure_tracing, shutdown_tracing
    from openreel.preflight import StartupRefused
    from openreel.runtime import Runtime

    settings = settings_from(host=host, port=port, data_dir=data_dir, database_url=database_url,
                             workers=workers, public_url=public_url)
    check_database_url(settings)
    say = announcer(settings.log_format, log_level, configure=False)
    say(open_data_dir(settings, create=True), err=True)
    try:
        runtime = Runtime.build(settings)  # checks the data dir once, before the server starts
    except (StartupRefused, OpenreelError) as exc:  # damaged data, a bad catalog file, no database
        say(f"openreel: refusing to start. {exc}", problem=True)
        raise typer.Exit(2) from None
    say(f"openreel listening on http://{settings.host}:{settings.port} (workers: {settings.workers})")
    say("Create an API key with:  openreel keys create --project NAME"
        + (f" --data-dir {settings.data_dir}" if data_dir else ""))
    configure_tracing("openreel-api")
    try:
        run_server(runtime, log_level)
    finally:
        shutdown_tracing()

