"""`openreel worker`: a worker process of a scale-out deployment. It consumes the Celery queues of
the models it serves (OPENREEL_QUEUE_URL), keeps their pipelines loaded, and drains on SIGTERM:
running jobs stop between frames and go back to the queue for another worker."""

from __future__ import annotations

from typing import Annotated

import typer

from openreel.cli.data_dir import DatabaseUrl, DataDir, check_database_url, open_data_dir, settings_from


def worker(
    models: Annotated[str | None, typer.Option(show_default=False,
                                               help="Model ids to serve, comma-separated; their pipelines load at "
                                                    "start and stay loaded (OPENREEL_WORKER_MODELS; default: "
                                                    "every model in the catalog, each loaded on first use).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs run at once, on threads sharing the loaded "
                                                         "pipelines. One process per GPU.")] = 1,
    queue_url: Annotated[str | None, typer.Option(show_default=False,
                                                  help="The Celery broker, e.g. redis://host:6379/0 "
                                                       "(OPENREEL_QUEUE_URL).")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    metrics_port: Annotated[int | None, typer.Option(show_default=False, help="Serve Prometheus metrics, /healthz "
                                                     "and /readyz on this port (OPENREEL_METRICS_PORT).")] = None,
    log_level: Annotated[str, typer.Option(help="Log level of openreel's own lines.")] = "info",
) -> None:
    from openreel.cli.announce import announcer
    from openreel.errors import OpenreelError
    from openreel.observability.log_redaction import install_log_redaction
    from openreel.observability.tracing import configure_tracing, shutdown_tracing
    from openreel.preflight import StartupRefused
    from openreel.runtime import Runtime
    from openreel.worker.probes import serve_probes

    try:
        from openreel.worker.celery_consumer import CeleryConsumer
    except ImportError as exc:
        typer.echo(f"openreel worker: Celery is not installed ({exc.name}): pip install 'openreel[scale]'", err=True)
        raise typer.Exit(2) from None

    # workers=0: no in-process pool; the Celery consumer below runs the jobs.
    settings = settings_from(worker_models=models, queue_url=queue_url, data_dir=data_dir,
                             database_url=database_url, workers=0, metrics_port=metrics_port)
    if not settings.queue_url:
        typer.echo("openreel worker: set OPENREEL_QUEUE_URL (or --queue-url) to the Celery broker, e.g. "
                   "redis://127.0.0.1:6379/0; without one, `openreel serve` runs the workers itself.", err=True)
        raise typer.Exit(2)
    check_database_url(settings)
    say = announcer(settings.log_format, log_level, configure=True)
    say(open_data_dir(settings, create=True), err=True)
    install_log_redaction()
    try:
        runtime = Runtime.build(settings)
        consumer = CeleryConsumer(runtime, concurrency)
    except (StartupRefused, OpenreelError, ValueError) as exc:
        say(f"openreel worker: refusing to start. {exc}", problem=True)
        raise typer.Exit(2) from None
    configure_tracing("openreel-worker")
    runtime.start_background(runs_engines=True)
    probes = None
    try:
        if settings.metrics_port:
            probes = serve_probes(runtime, settings.host, settings.metrics_port)
            say(f"metrics, /healthz and /readyz on http://{settings.host}:{settings.metrics_port}")
        consumer.run()
    finally:
        if probes is not None:
            probes.shutdown()
        runtime.close()
        shutdown_tracing()
