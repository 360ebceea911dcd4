"""One backup archive: the database, uploaded files and mailbox files, with checksums.

Layout of ``portal-backup-<time>.tar.gz``:

    manifest.json          format, time, database engine, and a SHA-256 per file
    database.sqlite3       SQLite: an online backup (consistent while the site runs)
    database.pgdump        PostgreSQL: ``pg_dump --format=custom``
    media/…                MEDIA_ROOT (uploads, images, documents)
    videos/…               PORTAL_VIDEO_ROOT when it lies outside MEDIA_ROOT
    mailbox-files/…        PORTAL_MAILBOX_FILES_ROOT (letter attachments)
    assessment-files/…     PORTAL_ASSESSMENT_FILES_ROOT (网上考核 evidence)

restore() checks every checksum before it changes anything.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass
class Tree:
    """A folder the archive carries, under a name of its own."""

    name: str
    path: Path


def file_trees() -> list[Tree]:
    """The folders of files that belong in a backup (each at most once)."""
    trees = [Tree("media", Path(settings.MEDIA_ROOT))]
    video_root = Path(getattr(settings, "PORTAL_VIDEO_ROOT", "") or settings.MEDIA_ROOT)
    if not video_root.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        trees.append(Tree("videos", video_root))
    trees.append(Tree("mailbox-files", Path(settings.PORTAL_MAILBOX_FILES_ROOT)))
    trees.append(Tree("assessment-files", Path(settings.PORTAL_ASSESSMENT_FILES_ROOT)))
    return trees


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{vendor}")
    return vendor


def _run_pg(program: str, *args: str) -> None:
    """Run a PostgreSQL client program against the site's database."""
    import os

    path = shutil.which(program)
    if path is None:
        raise BackupError(f"找不到 {program}：请安装 postgresql-client。")
    db = settings.DATABASES["default"]
    command = [path, "--dbname", db["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [option, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    done = subprocess.run(  # noqa: S603
        [*command, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise BackupError(f"{program} 失败：{done.stderr.strip()[:500]}")


def _dump_database(staging: Path) -> str:
    engine = _engine()
    if engine == "sqlite":
        target = staging / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return target.name
    target = staging / "database.pgdump"
    _run_pg("pg_dump", "--format=custom", "--no-owner", "--file", str(target))
    return target.name


def create(output_dir: Path) -> Path:
    """Write a consistent archive into output_dir and return its path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    archive = output_dir / f"portal-backup-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as tmp:
        staging = Path(tmp)
        database = _dump_database(staging)
        entries = [(staging / database, database)]
        trees = []
        for tree in file_trees():
            trees.append(tree.name)
            if tree.path.is_dir():
                entries += [
                    (path, f"{tree.name}/{path.relative_to(tree.path).as_posix()}")
                    for path in sorted(tree.path.rglob("*"))
                    if path.is_file() and not path.is_symlink()
                ]
        manifest = {
            "format": FORMAT,
            "created": datetime.datetime.now().astimezone().isoformat(),
            "database": {"engine": _engine(), "file": database},
            "trees": trees,
            "files": {
                name: {"sha256": _sha256(path), "size": path.stat().st_size}
                for path, name in entries
            },
        }
        manifest_path = staging / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(manifest_path, "manifest.json")
            for path, name in entries:
                tar.add(path, name)
        partial.rename(archive)
    return archive


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not member.isfile():
            raise BackupError(f"备份文件含有不安全的条目：{member.name}")
        members.append(member)
    return members


def verify(archive: Path, into: Path) -> dict:
    """Unpack into a folder and check every file against the manifest; the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, members=_safe_members(tar), filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"无法读取备份文件 {archive}：{exc}") from exc
    manifest_path = into / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError("备份文件中没有 manifest.json，不是本系统的备份。")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')}")
    for name, facts in manifest["files"].items():
        path = into / name
        if not path.is_file() or _sha256(path) != facts["sha256"]:
            raise BackupError(f"备份中的文件 {name} 缺失或校验值不符，未做任何恢复。")
    return manifest


def _restore_database(unpacked: Path, manifest: dict) -> None:
    engine = manifest["database"]["engine"]
    if engine != _engine():
        raise BackupError(
            f"备份来自 {engine} 数据库，当前站点使用 {_engine()}，无法直接恢复。"
        )
    source = unpacked / manifest["database"]["file"]
    if engine == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(source) as backup:
            backup.backup(connection.connection)
        backup.close()
        return
    connection.close()
    _run_pg(
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        str(source),
    )


def _restore_tree(unpacked: Path, tree: Tree) -> int:
    source = unpacked / tree.name
    tree.path.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return 0
    count = 0
    for path in source.rglob("*"):
        if path.is_file():
            target = tree.path / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            count += 1
    return count


def restore(archive: Path) -> dict:
    """Check the archive, then restore the database and files; counts of what came back."""
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = verify(archive, unpacked)
        _restore_database(unpacked, manifest)
        restored = {
            tree.name: _restore_tree(unpacked, tree)
            for tree in file_trees()
            if tree.name in manifest["trees"]
        }
    return {"files": restored, "created": manifest["created"]}
