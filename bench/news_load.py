"""Load test of the news portal under production settings; prints figures.

Starts gunicorn with config.settings.production (DEBUG off, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and PORTAL_BASE_URL set) on a private SQLite database filled by
`load_demo`, then runs
16 concurrent connections for 30 s against the home page, a column page and an
article page (anonymous readers, so the page cache is in play), and reports
requests/s and p50/p99 latency. Also reports the uncached render time of each page.

    .venv/bin/python bench/news_load.py                # defaults: 16 connections, 30 s
    .venv/bin/python bench/news_load.py --duration 10 --cache redis
"""

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from portal_server import (
    Gunicorn,
    flush_redis,
    get,
    prepare_site,
    production_env,
)


def _worker(port: int, path: str, seconds: float, threads: int, queue) -> None:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def run():
        nonlocal errors
        local, bad = [], 0
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                status, _body, _headers = get(port, path)
                if status != 200:
                    bad += 1
            except OSError:
                bad += 1
            local.append(time.perf_counter() - start)
        with lock:
            latencies.extend(local)
            errors += bad

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((latencies, errors))


def load(port: int, path: str, connections: int, seconds: float) -> dict:
    """`connections` concurrent keep-busy clients, spread over processes."""
    processes = min(4, connections)
    queue = multiprocessing.Queue()
    per = [
        connections // processes + (i < connections % processes)
        for i in range(processes)
    ]
    started = time.perf_counter()
    procs = [
        multiprocessing.Process(target=_worker, args=(port, path, seconds, n, queue))
        for n in per
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50": statistics.quantiles(latencies, n=100)[49] * 1000,
        "p99": statistics.quantiles(latencies, n=100)[98] * 1000,
    }


def uncached_ms(port: int, path: str, repeat: int = 20) -> float:
    """Median time of a full render (a messages cookie makes the cache step aside)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        get(port, path, cookie="messages=bench")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=8191)
    parser.add_argument("--cache", choices=["file", "redis"], default="file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="news-bench-"))
    env = production_env(workdir, args.cache)
    flush_redis(env)
    print(f"准备数据库与演示内容:{workdir}", flush=True)
    prepare_site(env)
    server = Gunicorn("config.wsgi", env, args.port, args.workers)
    try:
        server.wait_until_up()
        _status, body, _headers = get(args.port, "/news/column/yaowen/")
        html = body.decode()
        marker = 'class="news-item__title"><a href="'
        article = html.split(marker, 1)[1].split('"', 1)[0]
        pages = {"首页": "/", "栏目页": "/news/column/yaowen/", "文章页": article}
        for path in pages.values():  # renditions and page cache warm
            for _ in range(3):
                status, _body, _headers = get(args.port, path)
                assert status == 200, (path, status)
        print(
            f"gunicorn {args.workers} workers, production settings, cache={args.cache}, "
            f"{os.cpu_count()} CPU; {args.connections} connections × {args.duration:.0f} s"
        )
        print(
            f"{'页面':<6}{'请求数':>8}{'错误':>6}{'请求/秒':>10}{'p50 ms':>9}{'p99 ms':>9}"
            f"{'未缓存渲染 ms':>14}"
        )
        for name, path in pages.items():
            result = load(args.port, path, args.connections, args.duration)
            render = uncached_ms(args.port, path)
            print(
                f"{name:<6}{result['requests']:>8}{result['errors']:>6}"
                f"{result['rps']:>10.0f}{result['p50']:>9.1f}{result['p99']:>9.1f}"
                f"{render:>14.1f}",
                flush=True,
            )
        print(f"文章页: {article}")
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        flush_redis(env)


if __name__ == "__main__":
    sys.exit(main())
