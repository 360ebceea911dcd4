"""Local development and `make run`: embedded defaults, debug on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env(
    "SECRET_KEY", default="dev-only-insecure-key-7c1b0d3e9a4f4e8b9a2d5c6f0e1a2b3c"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
