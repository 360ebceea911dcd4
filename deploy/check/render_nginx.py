"""Render deploy/nginx/portal.conf for make deploy-check: loopback ports, temp paths.

Only the values an operator edits are replaced, each by plain substitution that must
match; everything else is the shipped file as it is. The result listens on 127.0.0.1
only and names no path outside the check's temporary folder.

    python deploy/check/render_nginx.py --root /tmp/x --http-port 18080 \
        --https-port 18443 --app-port 18000 > /tmp/x/nginx/portal.conf
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "nginx" / "portal.conf"


def substitutions(args) -> list[tuple[str, str]]:
    """(shipped text, rendered text) pairs; each shipped text must occur."""
    root = args.root.rstrip("/")
    return [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{args.http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{args.https_port} ssl http2;"),
        ("server_name dangjian.example.cn;", f"server_name {args.server_name};"),
        ("server 127.0.0.1:8000 ", f"server 127.0.0.1:{args.app_port} "),
        ("/srv/portal/staticfiles/", f"{root}/static/"),
        ("/srv/portal/media/", f"{root}/media/"),
        ("/var/lib/nginx/portal-cache", f"{root}/nginx/cache"),
        ("/etc/ssl/portal/", f"{root}/tls/"),
        ("/var/www/letsencrypt", f"{root}/acme"),
    ]


def render(text: str, args) -> str:
    for old, new in substitutions(args):
        if old not in text:
            raise SystemExit(f"render_nginx: {old!r} not found in {SHIPPED}")
        text = text.replace(old, new)
    return text


def check(text: str, root: str) -> None:
    """Fail unless every listen is on loopback and every path is under root."""
    for line in text.splitlines():
        code = line.split("#", 1)[0]
        listen = re.match(r"\s*listen\s+(\S+)", code)
        if listen and not listen.group(1).startswith("127.0.0.1:"):
            raise SystemExit(f"render_nginx: not on loopback: {line.strip()}")
        for path in re.findall(r"(?<![\w.:$])(/[\w./-]+/)", code):
            system = path.startswith(("/etc/", "/srv/", "/var/", "/usr/", "/home/"))
            if system and not path.startswith(root):
                raise SystemExit(f"render_nginx: path left outside: {line.strip()}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="the check's temporary folder")
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--https-port", type=int, required=True)
    parser.add_argument("--app-port", type=int, required=True, help="gunicorn's port")
    parser.add_argument("--server-name", default="localhost")
    args = parser.parse_args(argv)
    text = render(SHIPPED.read_text(encoding="utf-8"), args)
    check(text, args.root.rstrip("/"))
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
