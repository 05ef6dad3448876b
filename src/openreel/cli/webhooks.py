"""`openreel webhooks secret --project P`: the project's signing secret (whsec_...) for its
per-request webhooks (webhookConfig, the client's webhook_url), made on first use. Receivers
verify deliveries with it (Standard Webhooks). It is printed alone on the last stdout line, so
SECRET=$(openreel webhooks secret --project P) captures it."""

from __future__ import annotations

from typing import Annotated

import typer

from openreel.auth import PROJECT_ID_RULE, is_project_id
from openreel.cli.data_dir import DatabaseUrl, DataDir
from openreel.cli.exit_codes import fail
from openreel.cli.help_format import Command, Group
from openreel.cli.keys import local_store

webhooks_app = typer.Typer(cls=Group, help="Webhook signing secrets (on the machine that runs the server).",
                           no_args_is_help=True)


@webhooks_app.command("secret", cls=Command,
                      help="Print the project's whsec_ signing secret for per-request webhooks.")
def secret(
    project: Annotated[str, typer.Option(help="The project whose deliveries it signs.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    from openreel.store.webhooks import WebhookStore
    from openreel.webhooks.signing import new_signing_secret

    if not is_project_id(project):
        raise fail("INVALID_ARGUMENT", f"--project {project!r}: use {PROJECT_ID_RULE}")
    with local_store(data_dir, database_url, create=True) as (_, store):
        value = WebhookStore(store).project_secret(project, new_signing_secret)
    typer.echo(value)
