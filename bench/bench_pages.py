"""Benchmark of the review pages on a huge boot. Prints figures; asserts nothing.

A synthesized verbose SEV-SNP boot with at least ``--events`` events (default 1,000,000) is
analysed into a fresh SQLite data directory, a real ``cvmreview serve`` is started on it, and:

1. the server side: time and size of the boot page, of the timeline JSON for the whole boot
   and for a zoomed window, of a log-viewer range at the end of the log, of log searches (a
   text in no line: the whole log read; a rare one; a common one, stopped by the hit cap),
   of the search page, the whole-log gzip download, the device page and a table export, of
   the blame page and JSON and of the compare page;
2. the browser side: Debian's headless Chromium opens the boot page (best and median of
   ``--runs``) and we read when it became interactive (every figure drawn, handlers attached:
   ``window.cvmReadyMs``, milliseconds since navigation start), then how long a W key press
   takes to draw the zoomed window and a click on a mapping bar to show the selection panel.

Usage: ``python bench/bench_pages.py [--events N] [--runs 5]``. The log is written to
``bench/out/`` (git-ignored) and reused when present.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from app.config import Settings
from app.db import queries
from app.db.blobs import Limits
from app.service.database import prepare_database
from app.service.ingest import ingest_boot, project_named
from app.service.processing import JobSettings, process_run
from app.synth import Workload, write_log

OUT = Path(__file__).parent / "out"
CVMREVIEW = Path(sys.executable).parent / "cvmreview"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EVENTS_PER_REQUEST = 20  # measured: a map/unmap pair with its encryption lines


def workload(requests: int) -> Workload:
    return Workload.from_dict(
        {
            "name": "bench-pages-snp-legacy",
            "seed": 11,
            "platform": "sev-snp",
            "edk2": "202211",
            "pool": False,
            "devices": [
                {
                    "kind": "virtio-blk",
                    "bdf": "00:03.0",
                    "requests": requests,
                    "sizes": [512, 4096, 65536],
                },
                {"kind": "virtio-net", "bdf": "00:04.0", "requests": requests // 4},
                {"kind": "fw-cfg", "requests": requests // 8},
            ],
        }
    )


def synthesize(events: int) -> Path:
    path = OUT / f"bench-pages-{events // 1000}k-events.log"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        requests = int(events / EVENTS_PER_REQUEST / 1.375) + 1
        with open(path.with_suffix(".partial"), "wb") as out:
            write_log(workload(requests), out)
        path.with_suffix(".partial").rename(path)
    return path


def load(path: Path, data_dir: Path) -> tuple[int, float]:
    """The boot in a fresh database, analysed by the real worker function."""
    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings(data_dir=data_dir, env="dev")
    db = prepare_database(settings)
    limits = Limits(max_bytes=1 << 32, max_decompressed=1 << 32, max_ratio=1000.0)
    try:
        with path.open("rb") as stream:
            ingested = ingest_boot(
                db,
                project=project_named(db, "bench", public_read=True),
                fields=queries.BootFields(name=path.name, synthesized=True),
                log=stream,
                limits=limits,
            )
        boot_id, run_id = ingested.boot_id, ingested.run_id
        assert run_id is not None
        started = time.perf_counter()
        assert process_run(db, run_id, settings=JobSettings(lease_seconds=600)) == "done"
        return boot_id, time.perf_counter() - started
    finally:
        db.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def timed_get(client: httpx.Client, url: str) -> tuple[float, int]:
    best = float("inf")
    size = 0
    for _ in range(3):
        started = time.perf_counter()
        response = client.get(url)
        response.raise_for_status()
        best = min(best, time.perf_counter() - started)
        size = len(response.content)
    return best, size


def server_figures(base: str, boot_id: int, lines: int) -> None:
    with httpx.Client(base_url=base, timeout=120) as client:
        search = f"/api/v1/boots/{boot_id}/log/search"
        devices = client.get(f"/api/v1/boots/{boot_id}/devices").json()["data"]
        device = quote(devices[0]["device"])
        rows = [
            ("boot page (HTML)", f"/boots/{boot_id}"),
            ("timeline JSON, whole boot", f"/api/v1/boots/{boot_id}/timeline/window"),
            (
                "timeline JSON, 1% window",
                f"/api/v1/boots/{boot_id}/timeline/window?start={lines // 2}"
                f"&end={lines // 2 + lines // 100}",
            ),
            ("log viewer, last 400 lines", f"/boots/{boot_id}/log?start={max(1, lines - 399)}"),
            ("blame page (HTML)", f"/boots/{boot_id}/blame"),
            ("blame JSON", f"/api/v1/boots/{boot_id}/blame"),
            ("compare page (boot with itself)", f"/compare?a={boot_id}&b={boot_id}"),
            ("result document JSON", f"/api/v1/boots/{boot_id}/result"),
            ("search API, no hit (reads all)", f"{search}?q=no+such+text+anywhere"),
            ("search API, rare text", f"{search}?q=ExitBoot"),
            ("search API, common (200 cap)", f"{search}?q=IoMmuUnmapWorker"),
            ("search page (1,000 hit cap)", f"/boots/{boot_id}/log?q=IoMmuUnmapWorker"),
            ("whole log, gzip", f"/api/v1/boots/{boot_id}/log.gz"),
            ("device page", f"/boots/{boot_id}/devices/{device}"),
            ("device mappings CSV", f"/boots/{boot_id}/devices/{device}?_format=csv"),
            ("devices table CSV", f"/boots/{boot_id}/tables/devices.csv"),
        ]
        for label, url in rows:
            seconds, size = timed_get(client, url)
            print(f"  {label:<32} {seconds * 1000:7.0f} ms  {size / 1e6:7.3f} MB")


def browser_figures(base: str, boot_id: int, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        cold, warm = [], []
        for _ in range(runs):  # a new context each time: empty cache, plotly.js compiled anew
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            cold.append(_ready_ms(context.new_page(), f"{base}/boots/{boot_id}"))
            context.close()
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        _ready_ms(page, f"{base}/boots/{boot_id}")
        for _ in range(runs):  # a returning reviewer: scripts cached
            warm.append(_ready_ms(page, f"{base}/boots/{boot_id}"))
        keys = [_key_zoom_ms(page) for _ in range(runs)]
        clicks = [_click_ms(page) for _ in range(runs)]
        context.close()
        browser.close()
    for label, times in (("empty cache", cold), ("warm cache", warm)):
        print(
            f"  boot page interactive in Chromium, {label}: best {min(times):.0f} ms, "
            f"median {statistics.median(times):.0f} ms over {runs} loads"
        )
    print(
        f"  timeline key W to the zoomed window drawn (200 ms debounce included): best "
        f"{min(keys):.0f} ms, median {statistics.median(keys):.0f} ms over {runs} presses"
    )
    print(
        f"  click on a mapping bar to the selection panel shown: best {min(clicks):.0f} ms, "
        f"median {statistics.median(clicks):.0f} ms over {runs} clicks"
    )


PLOT = "document.getElementById('timeline-plot')"


def _key_zoom_ms(page: Any) -> float:
    """Milliseconds from pressing W over the timeline until the window it asked for is drawn."""
    page.locator("#timeline-plot .nsewdrag").first.hover()
    before = page.evaluate(f"JSON.stringify({PLOT}.layout.xaxis.range)")
    started = page.evaluate("performance.now()")
    page.keyboard.press("w")
    page.wait_for_function(
        f"before => {{ const p = {PLOT}; const now = JSON.stringify(p.layout.xaxis.range);"
        " return now !== before && p.dataset.window === now; }",
        arg=before,
        timeout=60_000,
    )
    return float(page.evaluate("performance.now()")) - float(started)


BAR = f"""lo => {{
    const plot = {PLOT}, xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis3;
    const bars = plot.data.filter(t => t.orientation === 'h');
    let best = null;  // the longest bar, or the one starting at ``lo``
    for (const t of bars) t.x.forEach((w, i) => {{
      const score = lo === null ? w : -Math.abs(t.base[i] - lo);
      if (!best || score > best[0]) best = [score, t, i];
    }});
    const [, t, i] = best, box = plot.getBoundingClientRect(), mid = t.base[i] + t.x[i] / 2;
    return {{x: box.left + xa._offset + xa.l2p(mid), y: box.top + ya._offset + ya.d2p(t.y[i]),
             lo: t.base[i], hi: t.base[i] + t.x[i]}};
}}"""


def _show(page: Any, wanted: str) -> None:
    """Zoom the timeline to the range ``wanted`` (JSON) and wait until its window is drawn."""
    page.evaluate(f"range => Plotly.relayout({PLOT}, {{'xaxis.range': JSON.parse(range)}})", wanted)
    page.wait_for_function(
        f"w => {PLOT}.dataset.window === JSON.stringify(JSON.parse(w))", arg=wanted
    )


def _click_ms(page: Any) -> float:
    """Milliseconds from a click on a mapping bar until the selection panel shows (the view
    zoomed to the longest bar first: on a million-line axis most bars are a pixel wide)."""
    page.evaluate("document.getElementById('timeline-selection').hidden = true")
    page.evaluate("window.scrollTo(0, 0)")
    _show(page, page.evaluate(f"JSON.stringify({PLOT}.layout.meta.extent)"))  # the whole boot
    bar = page.evaluate(BAR, None)
    pad = max(1.0, bar["hi"] - bar["lo"])
    _show(page, f"[{bar['lo'] - pad},{bar['hi'] + pad}]")
    bar = page.evaluate(BAR, bar["lo"])
    page.evaluate("y => window.scrollBy(0, y - window.innerHeight / 2)", bar["y"])  # in view
    bar = page.evaluate(BAR, bar["lo"])
    page.mouse.move(bar["x"], bar["y"])
    started = page.evaluate("performance.now()")
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_selector("#timeline-selection:not([hidden])", timeout=60_000)
    return float(page.evaluate("performance.now()")) - float(started)


def _ready_ms(page: Any, url: str) -> float:
    """Milliseconds from navigation start until the page said it is interactive."""
    page.goto(url)
    page.wait_for_selector("html[data-ready='1']", timeout=60_000)
    return float(page.evaluate("window.cvmReadyMs"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = synthesize(args.events)
    data_dir = OUT / "pages-data"
    boot_id, seconds = load(path, data_dir)
    from app.db.session import Database

    db = Database(Settings(data_dir=data_dir, env="dev").sqlalchemy_url, pool_size=1)
    with db.read() as session:
        boot = queries.get_boot(session, boot_id=boot_id)
        assert boot is not None
        lines = boot.log_lines
        from app.service.results import get_result

        result = get_result(session, boot)
    db.dispose()
    events = sum(result.events.values()) if result else 0
    print(
        f"boot: {path.name}, {path.stat().st_size / 1e6:.0f} MB, {lines:,} lines, "
        f"{events:,} events; analysed in {seconds:.1f} s"
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CVMREVIEW_")}
    env.update(CVMREVIEW_DATA_DIR=str(data_dir), CVMREVIEW_MIGRATE_ON_START="false")
    server = subprocess.Popen(
        [str(CVMREVIEW), "serve", "--port", str(port), "--workers", "0", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        print("server (best of 3, warm cache):")
        server_figures(base, boot_id, lines)
        print("browser:")
        browser_figures(base, boot_id, args.runs)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
