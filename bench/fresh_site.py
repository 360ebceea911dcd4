"""A fresh site for the bench scripts that time code in-process: Django with the dev
settings (DEBUG off) on a new temporary folder, its own SQLite database (or the
database_url given), its own media and the embedded search engine, migrated.

    from fresh_site import fresh_site       # bench/ is the script's own folder

    var = fresh_site("bench-members-")      # before importing any app
"""

import logging
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fresh_site(prefix: str, *, database_url: str = "", log_level=logging.WARNING):
    """Set Django up on a new folder named prefix… and migrate its database; log
    records below log_level are dropped. Returns the folder (PORTAL_VAR_DIR)."""
    var = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["PORTAL_VAR_DIR"] = str(var)
    os.environ["MEDIA_ROOT"] = str(var / "media")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["DEBUG"] = "false"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("ELASTICSEARCH_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    logging.disable(log_level)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var
