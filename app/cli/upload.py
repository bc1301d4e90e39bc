"""``cvmreview upload LOG``: send a boot to a server, optionally wait for its verdict (for CI).

Every upload carries an ``origin_id`` (a fresh one unless given), so retrying after a network
error, a 503 or a 507 (full disk; Retry-After honoured) can never create a second boot. With
``--wait`` it prints each state change of the analysis (as lines when stderr is not a
terminal), then the verdict of the project's policy with its reasons (triaged findings are
shown but do not fail; ``--strict`` ignores triage), every finding (ID, severity, title,
first line) and the page URL. Exit status: 0 analysed (or just uploaded), 1 when the policy
verdict fails, 2 when the upload or the analysis failed. ``--fail-on`` and the ``--max-*``
thresholds are sent as the upload's policy overrides, so the server's stored verdict and the
exit status agree (``--fail-on`` is judged locally only when the server gives no verdict).
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console

from app.analysis.document import Verdict
from app.analysis.jsondata import DocumentError, from_json
from app.cli import cli
from app.cli.tables import format_option

RETRIES = 5
RETRYABLE = (429, 502, 503, 504, 507)  # busy, down, or out of space: the same upload later
MAX_WAIT = 30.0
SEVERITIES = ["info", "low", "medium", "high", "critical"]
FORM_FIELDS = ("project", "name", "branch", "commit", "ci_url", "tags", "origin_id")
# policy thresholds sent as upload overrides, with what their figure counts
# (app.service.verdict.THRESHOLDS: the CLI talks to the server only over HTTP, so the names
# are the API's form fields)
LIMITS = {
    "max_shared_pages": "more than N pages are shared at hand-off",
    "max_transitions": "the boot makes more than N encryption transitions",
    "max_bounce_bytes": "more than N bytes bounce through IoMmu bounce buffers",
    "max_debug_exits": "the debug log costs more than N VM exits",
}
LIMIT_FIELDS = tuple(LIMITS)


class UploadFailed(click.ClickException):
    exit_code = 2


def _request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One API call, retried on connection errors and retryable answers (uploads are
    idempotent), waiting what the server's Retry-After asks (at most ``MAX_WAIT`` s)."""
    for attempt in range(RETRIES):
        wait = min(2**attempt, 10)
        try:
            response = client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            error = f"cannot reach the server: {exc}"
        else:
            if response.status_code not in RETRYABLE:
                return response
            error = _detail(response)
            wait = _retry_after(response, wait)
        for item in kwargs.get("files", {}).values():
            item[1].seek(0)
        time.sleep(wait)
    raise UploadFailed(error)


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return min(float(response.headers["retry-after"]), MAX_WAIT)
    except (KeyError, ValueError):
        return default


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    return f"HTTP {response.status_code}: {detail}"


def _wait(
    client: httpx.Client, status_url: str, timeout: float, console: Console
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = ""
    with console.status("waiting for the analysis…") as spinner:
        while True:
            response = _request(client, "GET", status_url)
            if response.status_code != 200:
                raise UploadFailed(_detail(response))
            boot: dict[str, Any] = response.json()
            state = boot["status"]
            run = boot.get("latest_run") or {}
            progress = f"analysis {state} (attempt {run.get('attempts', 0)})"
            spinner.update(progress + "…")
            if progress != last and not console.is_terminal:  # a CI log sees each change
                console.print(progress, soft_wrap=True)
            last = progress
            if state in ("done", "failed"):
                return boot
            if time.monotonic() > deadline:
                raise UploadFailed(f"still {state} after {timeout:.0f}s; see {boot['url']}")
            time.sleep(0.5)


def _limit_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--max-shared-pages N`` ... : one option per threshold of ``LIMITS``."""
    for field, what in reversed(LIMITS.items()):
        help_text = f"Policy override: fail when {what}."
        option = click.option(
            "--" + field.replace("_", "-"), type=click.IntRange(min=0), metavar="N", help=help_text
        )
        command = option(command)
    return command


@cli.command("upload")
@click.argument("log", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--firmware", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--firmware-metadata", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--server",
    required=True,
    envvar="CVMREVIEW_SERVER",
    show_envvar=True,
    help="e.g. http://host:8000",
)
@click.option(
    "--token",
    required=True,
    envvar="CVMREVIEW_TOKEN",
    show_envvar=True,
    help="API token (upload,read).",
)
@click.option("--project", help="Defaults to the token's project.")
@click.option("--name", help="Display name (default: the file name).")
@click.option("--branch")
@click.option("--commit")
@click.option("--ci-url")
@click.option("--tags", help="Comma-separated.")
@click.option("--origin-id", help="Idempotency key: the same key never makes a second boot.")
@click.option("--wait", is_flag=True, help="Wait for the analysis and print the verdict.")
@click.option("--timeout", default=900.0, show_default=True, help="Seconds to wait.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Policy override: fail (exit 1) on a finding at this severity or worse.",
)
@format_option("lines (text) or one JSON object (json)")
@click.option(
    "--strict",
    is_flag=True,
    help="Judge with --wait ignoring triage (known issues, false positives).",
)
@click.option(
    "--baseline",
    type=click.IntRange(min=1),
    help="Boot ID to compare with (default: the last passing boot like this one).",
)
@click.option(
    "--fail-on-rule",
    "fail_rules",
    multiple=True,
    metavar="RULE",
    help="Policy override: this rule ID fails the boot at any severity (repeatable).",
)
@click.option(
    "--fail-on-new",
    is_flag=True,
    default=None,
    help="Policy override: fail on findings new against the baseline.",
)
@_limit_options
def upload(
    log: Path,
    firmware: Path | None,
    firmware_metadata: Path | None,
    server: str,
    token: str,
    wait: bool,
    timeout: float,
    fail_on: str | None,
    output_format: str,
    strict: bool,
    baseline: int | None,
    fail_rules: tuple[str, ...],
    fail_on_new: bool | None,
    **fields: Any,
) -> None:
    """Upload LOG (plain or gzip) and print the boot's page URL."""
    console = Console(stderr=True)
    fields["origin_id"] = fields.get("origin_id") or f"cli-{uuid.uuid4()}"
    data = {key: value for key, value in fields.items() if key in FORM_FIELDS and value}
    limits = {key: value for key, value in fields.items() if key in LIMIT_FIELDS}
    data.update(_policy_fields(baseline, fail_on, fail_rules, fail_on_new, limits))
    headers = {"Authorization": f"Bearer {token}"}
    base = server.rstrip("/")
    with (
        httpx.Client(headers=headers, timeout=httpx.Timeout(60, read=300)) as client,
        ExitStack() as stack,
    ):
        files = {"log": (log.name, stack.enter_context(log.open("rb")))}
        if firmware:
            files["firmware"] = (firmware.name, stack.enter_context(firmware.open("rb")))
        if firmware_metadata:
            handle = stack.enter_context(firmware_metadata.open("rb"))
            files["firmware_metadata"] = (firmware_metadata.name, handle)
        with console.status(f"uploading {log.name} ({log.stat().st_size:,} bytes)…"):
            response = _request(client, "POST", f"{base}/api/v1/boots", data=data, files=files)
        if response.status_code not in (200, 202):
            raise UploadFailed(_detail(response))
        created = response.json()
        again = (
            " (existing boot: this origin_id was uploaded before)"
            if created.get("existing")
            else ""
        )
        console.print(f"boot {created['id']}: {created['status']}{again}", soft_wrap=True)
        if not wait:
            click.echo(json.dumps(created) if output_format == "json" else created["url"])
            return
        boot = _wait(client, created["status_url"], timeout, console)
        counts: dict[str, int] = {}
        policy: dict[str, Any] = {}
        findings: list[dict[str, Any]] = []
        compared: dict[str, Any] = {}
        if boot["status"] == "done":
            base_url = created["status_url"]
            result = _request(client, "GET", f"{base_url}/result")
            if result.status_code == 200:
                counts = _severity_counts(result.json())
            policy = _json_of(
                _request(client, "GET", f"{base_url}/verdict", params={"strict": strict})
            )
            findings = _json_of(_request(client, "GET", f"{base_url}/findings")).get("data", [])
            compared = _json_of(_request(client, "GET", f"{base_url}/baseline"))
    quiet = output_format == "json"
    if quiet:
        everything = {"counts": counts, "verdict": policy, "findings": findings}
        click.echo(json.dumps({**boot, **everything, "baseline": compared}))

    def details() -> None:
        _print_policy(policy, findings)
        _print_baseline(compared, base)

    # the verdict applied --fail-on (with triage): judge it here only without one
    local_fail_on = None if policy.get("verdict") else fail_on
    _report(boot, counts, local_fail_on, console, quiet=quiet, details=details)
    if policy.get("verdict") == "fail":
        raise SystemExit(1)


def _policy_fields(
    baseline: int | None,
    fail_on: str | None,
    fail_rules: tuple[str, ...],
    fail_on_new: bool | None,
    limits: dict[str, int | None],
) -> dict[str, str]:
    """The upload's baseline and policy overrides as form fields (only those given);
    ``--fail-on`` is sent as the ``fail_on`` override, so the stored verdict (and a later
    ``GET .../verdict``) agrees with the exit status."""
    data = {"baseline": baseline, "fail_on": fail_on, **limits}
    out = {key: str(value) for key, value in data.items() if value is not None}
    if fail_rules:
        out["fail_rules"] = ",".join(fail_rules)
    if fail_on_new is not None:
        out["fail_on_new"] = "true" if fail_on_new else "false"
    return out


def _print_baseline(compared: dict[str, Any], base: str) -> None:
    """ "compared with #N": findings new, fixed and persisting, the shared-pages delta."""
    if not compared:
        return
    if compared.get("baseline_id") is None:
        click.echo(f"baseline: none ({compared.get('how')})")
        return
    click.echo(f"compared with {compared['how']}: {base}/boots/{compared['baseline_id']}")
    for kind in ("new", "fixed", "persisting"):
        for finding in compared["changes"][kind]:
            click.echo(f"  {kind} {finding['id']} {finding['severity']}: {finding['title']}")
    shared = compared.get("shared_pages_at_handoff") or {}
    if shared.get("delta") is not None:
        click.echo(
            f"  shared pages at hand-off: {shared['boot']:,} "
            f"({shared['delta']:+,} against {shared['baseline']:,})"
        )


def _json_of(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful answer, else an empty object (an older server)."""
    if response.status_code != 200:
        return {}
    body: dict[str, Any] = response.json()
    return body


def _print_policy(policy: dict[str, Any], findings: list[dict[str, Any]]) -> None:
    """The project policy's verdict with its reasons, then every finding, one line each."""
    if policy:
        version = policy.get("policy_version")
        click.echo(f"policy verdict: {policy['verdict']} (policy v{version}: {policy['message']})")
        for reason in policy.get("reasons", []):
            triaged = f" [{reason['triaged']}: does not fail]" if reason.get("triaged") else ""
            click.echo(f"  reason: {reason['rule_id']} {reason['why']}{triaged}")
        for threshold in policy.get("thresholds", []):
            click.echo(f"  reason: {threshold}")
        if policy.get("overrides"):
            click.echo(f"  overridden on upload: {json.dumps(policy['overrides'])}")
    for finding in findings:
        lines = finding.get("lines") or []
        where = f" line {lines[0]}" if lines else ""
        click.echo(
            f"  finding {finding['rule_id']} {finding['severity']}: {finding['title']}{where}"
        )


def _severity_counts(result: object) -> dict[str, int]:
    """Findings by severity from the server's result document (none when the server's engine
    writes another shape: the boot's row still gives the worst severity)."""
    if not isinstance(result, dict):
        return {}
    try:
        return from_json(Verdict, result.get("verdict")).counts
    except DocumentError:
        return {}


def _report(
    boot: dict[str, Any],
    counts: dict[str, int],
    fail_on: str | None,
    console: Console,
    *,
    quiet: bool = False,
    details: Callable[[], None] | None = None,
) -> None:
    """The verdict as lines (on stderr when ``quiet``: stdout has the JSON) and the exit
    status."""
    echo = functools.partial(click.echo, err=quiet)
    if boot["status"] == "failed":
        console.print(f"[red]analysis failed:[/] {boot.get('error')}")
        echo(boot["url"])
        raise SystemExit(2)
    worst = boot.get("worst_severity")
    tally = ", ".join(f"{n} {label}" for label, n in counts.items() if n)
    notes = [f"platform {boot.get('platform') or 'unknown'}"]
    if boot.get("stale"):
        notes.append("stale")
    if boot.get("synthesized"):
        notes.append("SYNTHESIZED log")
    echo(f"verdict: worst severity {worst or 'none'}" + (f" ({tally})" if tally else ""))
    echo(f"{'; '.join(notes)}")
    if details is not None and not quiet:
        details()
    echo(boot["url"])
    if fail_on and worst and SEVERITIES.index(worst) >= SEVERITIES.index(fail_on):
        raise SystemExit(1)
