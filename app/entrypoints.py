"""The processes the command line starts: the web server and standalone analysis workers.

Part of the composition root (with ``app.main``): it wires the adapters together -- the
FastAPI app, the job queues, Celery -- so that ``app.cli`` need not import another adapter.
``cvmreview serve`` and ``cvmreview worker`` call these; the edge ``app.cli -> app.entrypoints``
is the one exception to "adapters import no other adapter" (``tests/unit/test_layers.py``).
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import threading

import click

from app.config import DEFAULT_SECRET, MIN_SECRET_CHARS, Settings, weak_secret

WEAK_SECRET_BANNER = (
    "\n" + "!" * 72 + "\n"
    "!! CVMREVIEW_SECRET_KEY is {what}: anyone can forge a session cookie,\n"
    "!! the site admin's included. Unset it (a random key is kept in the data\n"
    "!! directory) or set it to a random string of {chars}+ characters.\n" + "!" * 72
)


def is_loopback(host: str) -> bool:
    """Only this machine can connect (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_secret(settings: Settings, host: str) -> str | None:
    """Refuse (``ClickException``) to serve other machines with a weak configured secret;
    the warning to print when serving only this machine with one (None: all is well)."""
    secret = settings.secret_key
    if not secret or not weak_secret(secret):
        return None
    what = "the public default" if secret == DEFAULT_SECRET else "too short"
    if not is_loopback(host):
        raise click.ClickException(
            f"refusing to serve on {host}: CVMREVIEW_SECRET_KEY is {what}. Unset it (a random "
            f"key is kept in the data directory) or set {MIN_SECRET_CHARS}+ random characters."
        )
    return WEAK_SECRET_BANNER.format(what=what, chars=MIN_SECRET_CHARS)


def serve(settings: Settings, *, host: str, port: int, log_level: str) -> None:
    """uvicorn on ``create_app(settings)`` until stopped (after the secret check)."""
    import uvicorn

    from app.main import create_app

    warning = check_secret(settings, host)
    if warning:
        click.echo(warning, err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)


def run_celery_worker(settings: Settings, concurrency: int, pool: str, loglevel: str) -> None:
    """A Celery worker on the broker, with the reaper in its main process."""
    from celery import signals

    from app.db.session import Database
    from app.jobs import celery_app
    from app.jobs.queue import CeleryQueue
    from app.service.processing import job_settings

    assert settings.broker_url is not None
    celery_app.configure(settings)
    reaper: list[CeleryQueue] = []

    def start_reaper(**_: object) -> None:
        # In the main process, after the pool has forked, so no child inherits its connections.
        queue = CeleryQueue(
            Database(settings.sqlalchemy_url, pool_size=1),
            broker_url=settings.broker_url or "",
            settings=job_settings(settings),
            requeue_seconds=settings.requeue_seconds,
            poll_seconds=settings.poll_seconds,
        )
        queue.start()
        reaper.append(queue)

    signals.worker_ready.connect(start_reaper, weak=False)
    app = celery_app.create_celery(settings.broker_url)
    click.echo(f"cvmreview worker: celery on {settings.broker_url}, {concurrency} x {pool}")
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--loglevel={loglevel}",
            "--queues=cvmreview",
            f"--hostname=cvmreview-{os.getpid()}@{socket.gethostname()}",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    for queue in reaper:
        queue.stop()


def run_polling_worker(settings: Settings, concurrency: int) -> None:
    """Embedded-style workers outside the server, polling the database until a signal."""
    from app.db.session import Database
    from app.jobs.queue import InProcessQueue
    from app.service.processing import job_settings

    db = Database(settings.sqlalchemy_url, pool_size=concurrency + 2)
    queue = InProcessQueue(
        db,
        workers=concurrency,
        mode=settings.worker_mode,
        settings=job_settings(settings),
        poll_seconds=settings.poll_seconds,
    )
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    click.echo(f"cvmreview worker: polling the database, {concurrency} worker(s)")
    queue.start()
    done.wait()
    queue.stop()
    db.dispose()
