"""Cached anonymous pages through the shipped nginx, against nginx serving a static file.

Issue 11's target: an anonymous page answered from nginx's micro-cache (deploy/nginx/
portal.conf, 5 s) reaches at least 50 % of the requests per second nginx manages for a
static file of the site. Both go through the same nginx, over the same TLS, with the
same client (wrk, from Debian), in alternating rounds of one run, so the ratio holds on
a busy machine where the absolute figures do not.

Run through make (it builds the production front of `make deploy-check` on loopback,
runs its smoke test, then this):

    make bench-nginx                      # BENCH_NGINX=1 deploy/check/run
    BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 make bench-nginx

Reads the stack from PORTAL_DEPLOY_STACK (written by deploy/check/run). Prints each
round's requests/s, the medians and the ratio; before timing, each URL must answer 200
(the page with X-Cache-Status HIT), and a round with errors or non-2xx answers fails.
"""

from __future__ import annotations

import json
import os
import re
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
HEADERS = ["Accept-Encoding: gzip", "User-Agent: portal-bench"]


def fetch(url: str, context: ssl.SSLContext) -> tuple[int, dict]:
    headers = dict(h.split(": ", 1) for h in HEADERS)
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - https only
    with urllib.request.urlopen(request, context=context, timeout=30) as response:  # noqa: S310
        response.read()
        return response.status, dict(response.headers)


def static_url(stack: dict) -> str:
    """The site's main stylesheet under its hashed name, as pages link it."""
    manifest = json.loads((Path(stack["static_root"]) / "staticfiles.json").read_text())
    return stack["base_url"] + "/static/" + manifest["paths"]["css/site.css"]


def wrk(url: str) -> float:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url]
    for header in HEADERS:
        command[1:1] = ["-H", header]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    problems = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    if problems:
        raise SystemExit(f"wrk {url}: {problems}\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    stack = json.loads(Path(os.environ["PORTAL_DEPLOY_STACK"]).read_text())
    subprocess.run([str(ROOT / ".ci" / "apt-ensure"), "wrk"], check=True)
    context = ssl.create_default_context(cafile=stack["ca_cert"])
    page = stack["base_url"] + "/"
    static = static_url(stack)
    for url in (page, static):
        status, _ = fetch(url, context)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
    for _ in range(20):
        _, headers = fetch(page, context)
        if headers.get("X-Cache-Status") == "HIT":
            break
        time.sleep(0.2)
    else:
        raise SystemExit(f"{page} is not answered from nginx's cache")
    print(
        f"nginx front: {CONNECTIONS} connections, 1 wrk thread, {SECONDS} s rounds;"
        f" load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    figures: dict[str, list[float]] = {"static": [], "page": []}
    for n in range(ROUNDS):
        for name, url in (("static", static), ("page", page)):
            figures[name].append(wrk(url))
            print(
                f"  round {n + 1} {name:<6} {figures[name][-1]:8.0f} req/s", flush=True
            )
    _, headers = fetch(page, context)
    static_rate = statistics.median(figures["static"])
    page_rate = statistics.median(figures["page"])
    print(
        f"static file {static.rsplit('/', 1)[-1]}: {static_rate:.0f} req/s;"
        f" home page from the micro-cache: {page_rate:.0f} req/s"
        f" (X-Cache-Status after the run: {headers.get('X-Cache-Status')});"
        f" ratio {page_rate / static_rate:.0%} (target ≥ 50 %);"
        f" load average now {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    sys.exit(main())
