"""Site speed side by side in one run: page cache vs the Django floor, render cost, search.

Starts two gunicorns with the same options on a private SQLite database filled by
`load_demo` and the policy corpus (../shared/corpus): the site under production
settings, and the Django floor (bench/django_floor.py: a constant view, no middleware,
sending the bytes of our home page). Then, in rounds that interleave every target,
drives each with wrk (16 connections) and reads the CPU time gunicorn's workers used,
and prints requests/s, server CPU ms per request and the ratios issue 11 asks for:

- cached anonymous pages: requests/s as a share of the floor's (target ≥ 70 %);
- pages rendered without the page cache (a `messages` cookie makes it step aside; the
  course page is never cached): server CPU ms per request (target ≤ 15 ms);
- library search and /api/search: their cost, for the record.

    .venv/bin/python bench/site_speed.py                    # 3 rounds × 5 s per target
    .venv/bin/python bench/site_speed.py --workdir /tmp/speed --keep   # reuse later
    .venv/bin/python bench/site_speed.py --only 首页渲染,文章渲染 --seconds 10
    .venv/bin/python bench/site_speed.py --baseline /tmp/old-checkout

--baseline names another checkout of the project (e.g. `git archive` of an older
commit): its site runs beside ours on the same database, and every site target is
measured on both in the same rounds, so a before/after comparison shares the machine's
conditions. Each figure is the best of the rounds (the one least disturbed by other
work on the machine), printed with the load average; the cached/floor ratios pair each
cached page with a floor run just before it and take the median over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal_server import (
    ROOT,
    UA,
    Gunicorn,
    flush_redis,
    get,
    manage,
    prepare_site,
    production_env,
)

CORPUS = ROOT.parent / "shared" / "corpus" / "policy-docs.jsonl.gz"
BYPASS_COOKIE = "messages=bench"
QUERY = quote("党费")
TARGET_CACHED_SHARE = 0.70
TARGET_RENDER_MS = 15.0

FIND_URLS = """
import json
from news.models import NewsArticlePage, NewsIndexPage
from school.models import CoursePage
from library.models import PolicyLibraryPage
article = NewsArticlePage.objects.published().exclude(cover=None).first()
index = NewsIndexPage.objects.live().first()
print(json.dumps({
    "article": article.url,
    "column": index.url + index.reverse_subpage("column", args=[article.column.slug]),
    "course": CoursePage.objects.live().order_by("path").first().url,
    "library": PolicyLibraryPage.objects.live().first().url,
}))
"""


@dataclass
class Target:
    name: str
    server: str  # "site" or "floor"
    path: str
    cookie: str = ""
    kind: str = "other"  # "floor", "cached", "render", "search"


@dataclass
class Figure:
    requests: int
    rps: float
    cpu_ms: float
    bad: int
    load: float


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if not found:
        subprocess.run([str(ROOT / ".ci" / "apt-ensure"), "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing (Debian package wrk)")
    return found


def run_wrk(
    wrk: str, port: int, target: Target, seconds: float, connections: int
) -> tuple[int, float, int]:
    """(requests, requests/s, non-2xx/3xx responses) of one wrk run."""
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "-H",
        "Host: localhost",
        "-H",
        f"User-Agent: {UA}",
    ]
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    command.append(f"http://127.0.0.1:{port}{target.path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return requests, rps, int(bad.group(1)) if bad else 0


def measure(
    wrk: str, server: Gunicorn, target: Target, seconds: float, connections: int
) -> Figure:
    before = server.cpu_seconds()
    requests, rps, bad = run_wrk(wrk, server.port, target, seconds, connections)
    cpu = server.cpu_seconds() - before
    return Figure(
        requests=requests,
        rps=rps,
        cpu_ms=cpu * 1000 / max(1, requests),
        bad=bad,
        load=os.getloadavg()[0],
    )


def prepare(env: dict, corpus: bool) -> None:
    print("迁移数据库、载入演示内容……", flush=True)
    prepare_site(env)
    if corpus and CORPUS.exists():
        print("导入政策文件语料……", flush=True)
        manage(env, "import_policy_documents", str(CORPUS))


def check_target(server: Gunicorn, target: Target) -> None:
    """The target answers 200, from the page cache exactly when it should."""
    for _ in range(3):  # warms renditions and the page cache
        status, _body, headers = get(server.port, target.path, cookie=target.cookie)
    assert status == 200, (target.name, target.path, status)
    if target.server != "floor":
        cached = headers.get("X-Page-Cache") == "hit"
        assert cached == (target.kind == "cached"), (target.name, headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per target, round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8193)
    parser.add_argument("--cache", choices=["file", "redis"], default="file")
    parser.add_argument("--workdir", help="database folder, reused when it exists")
    parser.add_argument("--keep", action="store_true", help="keep the workdir")
    parser.add_argument("--no-corpus", action="store_true")
    parser.add_argument("--only", help="comma-separated target names (and the floor)")
    parser.add_argument("--baseline", help="another checkout, measured side by side")
    args = parser.parse_args()
    wrk = ensure_wrk()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="site-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    fresh = not (workdir / "db.sqlite3").exists()
    env = production_env(workdir, args.cache)
    flush_redis(env)
    if fresh:
        prepare(env, corpus=not args.no_corpus)
    else:  # the code may have changed since: new migrations, static files
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--ignore", "vendor")
    manage(env, "shell", "-c", "from pagecache.cache import purge_all; purge_all()")
    urls = json.loads(manage(env, "shell", "-c", FIND_URLS).strip().splitlines()[-1])

    site = Gunicorn("config.wsgi", env, args.port, args.workers)
    floor = baseline = None
    try:
        site.wait_until_up()
        _status, home_html, _headers = get(site.port, "/")
        (workdir / "floor.html").write_bytes(home_html)
        floor_env = {**env, "DJANGO_SETTINGS_MODULE": "django_floor"}
        floor_env["BENCH_FLOOR_BODY"] = str(workdir / "floor.html")
        floor = Gunicorn(
            "django_floor:application",
            floor_env,
            args.port + 1,
            args.workers,
            chdir=ROOT / "bench",
        )
        floor.wait_until_up()
        servers = {"site": site, "floor": floor}
        if args.baseline:
            baseline = Gunicorn(
                "config.wsgi",
                env,
                args.port + 2,
                args.workers,
                chdir=Path(args.baseline),
            )
            baseline.wait_until_up()
            servers["baseline"] = baseline

        library_search = f"{urls['library']}?q={QUERY}"
        targets = [
            Target("地板", "floor", "/", kind="floor"),
            Target("首页缓存", "site", "/", kind="cached"),
            Target("文章缓存", "site", urls["article"], kind="cached"),
            Target("栏目缓存", "site", urls["column"], kind="cached"),
            Target("首页渲染", "site", "/", BYPASS_COOKIE, "render"),
            Target("文章渲染", "site", urls["article"], BYPASS_COOKIE, "render"),
            Target("栏目渲染", "site", urls["column"], BYPASS_COOKIE, "render"),
            Target("课程渲染", "site", urls["course"], kind="render"),
            Target("文件库搜索", "site", library_search, kind="search"),
            Target("api搜索", "site", f"/api/search?q={QUERY}", kind="search"),
        ]
        if args.only:
            wanted = set(args.only.split(",")) | {"地板"}
            targets = [t for t in targets if t.name in wanted]
        if baseline:
            targets += [
                Target(f"{t.name}(基线)", "baseline", t.path, t.cookie, t.kind)
                for t in targets
                if t.server == "site"
            ]
        for target in targets:
            check_target(servers[target.server], target)

        print(
            f"gunicorn {args.workers} sync workers each, production settings, "
            f"cache={args.cache}, SQLite; wrk 1 thread × {args.connections} "
            f"connections, {args.seconds:.0f} s per target, {args.rounds} rounds "
            f"(figures: best round); {os.cpu_count()} CPU (shared machine)",
            flush=True,
        )
        best: dict[str, Figure] = {}
        pairs: dict[str, list[tuple[float, float]]] = {}
        floor_target = targets[0]

        def run(target: Target, round_number: int) -> Figure:
            figure = measure(
                wrk, servers[target.server], target, args.seconds, args.connections
            )
            print(
                f"  round {round_number} {target.name}: {figure.rps:.0f} req/s, "
                f"{figure.cpu_ms:.2f} CPU ms/req, load {figure.load:.1f}",
                flush=True,
            )
            if target.name not in best or figure.rps > best[target.name].rps:
                best[target.name] = figure
            return figure

        for round_number in range(1, args.rounds + 1):
            for target in targets[1:]:
                if target.kind == "cached":  # the floor right before: a fair pair
                    floor_figure = run(floor_target, round_number)
                    figure = run(target, round_number)
                    pairs.setdefault(target.name, []).append(
                        (
                            figure.rps / floor_figure.rps,
                            floor_figure.cpu_ms / figure.cpu_ms,
                        )
                    )
                else:
                    run(target, round_number)
        report(targets, best, pairs)
    finally:
        site.stop()
        for server in (floor, baseline):
            if server:
                server.stop()
        flush_redis(env)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def report(
    targets: list[Target],
    best: dict[str, Figure],
    pairs: dict[str, list[tuple[float, float]]],
) -> None:
    print()
    print(f"{'目标':<8}{'请求/秒':>10}{'CPU ms/请求':>13}{'错误':>6}{'负载':>6}  路径")
    for target in targets:
        f = best[target.name]
        print(
            f"{target.name:<8}{f.rps:>10.0f}{f.cpu_ms:>13.2f}{f.bad:>6}{f.load:>6.1f}"
            f"  {target.path}"
        )
    print()
    print(
        "缓存页 / 地板:请求/秒之比 (目标 ≥ 70 %),每轮紧接在地板之后测,取各轮中位数;"
        "括号内为 CPU 之比 地板/缓存页;方括号内为各轮之比"
    )
    for target in targets:
        if target.kind == "cached":
            shares = [share for share, _cpu in pairs[target.name]]
            cpus = [cpu for _share, cpu in pairs[target.name]]
            share = statistics.median(shares)
            mark = "达标" if share >= TARGET_CACHED_SHARE else "未达标"
            each = " ".join(f"{x:.0%}" for x in shares)
            print(
                f"  {target.name}: {share:.0%} ({statistics.median(cpus):.0%}) "
                f"[{each}] {mark}"
            )
    print("未缓存渲染 (服务端 CPU ms/请求,目标 ≤ 15 ms):")
    for target in targets:
        if target.kind == "render":
            f = best[target.name]
            mark = "达标" if f.cpu_ms <= TARGET_RENDER_MS else "未达标"
            print(f"  {target.name}: {f.cpu_ms:.1f} ms {mark}")
    print("搜索 (服务端 CPU ms/请求):")
    for target in targets:
        if target.kind == "search":
            f = best[target.name]
            print(f"  {target.name}: {f.cpu_ms:.1f} ms, {f.rps:.0f} req/s")


if __name__ == "__main__":
    sys.exit(main())
