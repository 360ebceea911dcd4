# Two entry points: `make run` (site with demo content) and `make test` (the whole suite).
# Everything else here is what those two need on a fresh Debian/Ubuntu machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUN_PACKAGES := ffmpeg node npm venv
TEST_PACKAGES := $(RUN_PACKAGES) chromium chromium-headless-shell fonts-noto-cjk

.PHONY: run test test-fast install install-dev system-packages system-packages-test assets \
	lint check pytest pytest-postgres pytest-elasticsearch services elasticsearch \
	elasticsearch-secure elasticsearch-stop deploy-check replay-attacks bench-nginx worker audit clean

## make run: install, migrate, load demo content, start the web server and the task worker.
run: install assets
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  网站:   http://$(HOST):$(PORT)/"
	@echo "  后台:   http://$(HOST):$(PORT)/admin/"
	@echo "  邮件:   $(if $(EMAIL_HOST),经 SMTP 服务器 $(EMAIL_HOST) 发出,不真正发出，每封写成 $(or $(EMAIL_FILE_PATH),$(or $(PORTAL_VAR_DIR),$(CURDIR)/var)/mail)/ 下的一个 .log 文件)"
	@echo "  演示账号见上方（也写在 README.md 中）。按 Ctrl+C 停止。"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/python manage.py run_schedule & \
	  $(BIN)/python manage.py db_worker --queue-name '*' & \
	  $(BIN)/python manage.py runserver --insecure $(HOST):$(PORT)

## make test: lint, Django checks, migrations check, pytest (unit, integration, browser).
test: install-dev assets system-packages-test lint check pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check:
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# One pytest command runs every test, browser tests included, two workers, a file per
# worker at a time, the longest files first (tests/conftest.py). Tests that flush the database roll back by serialization
# (tests/conftest.py), so they run beside the others.
pytest:
	$(BIN)/pytest -n 2 --dist loadfile

## The inner loop: the tests that neither flush the database, drive a browser nor take
## more than a few seconds, without installing, linting or checking first.
## `make test` remains what must pass.
test-fast:
	$(BIN)/pytest -n 2 --dist loadfile -m "not transactional and not slow" -q

## The suite against PostgreSQL (CI runs it after `make test`): everything but the
## browser tests, which drive pages whose SQL the other tests already run here, and
## which `make test` runs on a file-backed SQLite in WAL mode (concurrent writers), and
## the tests that run the site on a SQLite database of their own (own_database), which
## would only repeat themselves; and the malformed-input walks as each role (their two
## files), whose values the superuser's walk sends every view here too, limited to those
## PostgreSQL treats differently from SQLite (tests/home/walker.py), so PostgreSQL's
## answers to hostile input are tested without the role walks' minutes of CPU (they
## run in `make test`); and the demo content's tests (tests/*/test_demo.py): the demo
## is `make run`'s, on the embedded defaults, and what it calls (each app's services)
## is tested here by the apps' own tests.
pytest-postgres: install-dev assets system-packages-test services
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n 2 --dist loadfile \
	  -m "not e2e and not own_database" --deselect tests/home/test_malformed_input_roles.py \
	  --deselect tests/home/test_malformed_input_staff.py --ignore-glob='tests/*/test_demo.py'

## The search tests against real Elasticsearch nodes (`make elasticsearch
## elasticsearch-secure` first): the whole of tests/search against the plain node on
## :9200; the engine's own tests (contract suite, server, requests, read-only user)
## again against the TLS node on :9201; then the outage tests, which stop, freeze and
## restart the plain node, on their own.
ES_PLAIN := ELASTICSEARCH_URL=http://127.0.0.1:9200 PORTAL_REQUIRE_ELASTICSEARCH=1
ES_ENGINE_TESTS := tests/search/test_backend_contract.py tests/search/test_elasticsearch_server.py \
	tests/search/test_elasticsearch_requests.py tests/search/test_elasticsearch_readonly.py
pytest-elasticsearch: install-dev
	$(ES_PLAIN) $(BIN)/pytest -n 2 --dist loadfile tests/search
	set -a && . var/elasticsearch/secure.env && set +a && PORTAL_REQUIRE_ELASTICSEARCH=1 $(BIN)/pytest -n 2 --dist loadfile $(ES_ENGINE_TESTS)
	$(ES_PLAIN) PORTAL_ELASTICSEARCH_OUTAGE_TEST=1 $(BIN)/pytest tests/search/test_elasticsearch_outage.py

## The shipped production front (deploy/): nginx with deploy/nginx/portal.conf, gunicorn
## with deploy/gunicorn.conf.py and the task worker on loopback ports, production
## settings on a throwaway SQLite database, smoke-tested through nginx
## (tests/deploy). Installs nginx from Debian if missing; leaves nothing running.
## REPLAY_ATTACKS=1 (CI sets it) then replays issue 12's attack findings through nginx.
deploy-check: install-dev assets
	./deploy/check/run

## Cached anonymous pages through the shipped nginx against a static file (bench/nginx_front.py).
bench-nginx: install-dev assets
	BENCH_NGINX=1 ./deploy/check/run

## Issue 12's attack findings replayed over HTTP against a running site (by default
## `make run` on $(HOST):$(PORT); REPLAY_BASE_URL for another), printing each answer.
## Creates throwaway fixtures in the site's database and removes them; exits 1 if any
## finding still holds. Run it with the site's own environment.
replay-attacks:
	REPLAY_BASE_URL=$${REPLAY_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py shell \
	  --no-imports -c "import runpy; runpy.run_path('deploy/check/replay_attacks.py')"

## Known vulnerabilities in the pinned Python packages (pip-audit in var/audit-venv).
## Fails only on a finding; says "could not audit" where no vulnerability database is
## reachable (these build machines), so run it again where a network exists.
audit:
	./.ci/audit

## PostgreSQL on 127.0.0.1:5432 (database "test") and Redis on 127.0.0.1:6379.
services:
	./.ci/services

## Local Elasticsearch nodes (.ci/elasticsearch): plain on :9200, TLS with users on :9201.
elasticsearch:
	./.ci/elasticsearch start plain

elasticsearch-secure:
	./.ci/elasticsearch start secure

elasticsearch-stop:
	./.ci/elasticsearch stop plain
	./.ci/elasticsearch stop secure

install: system-packages $(VENV)/.installed
install-dev: system-packages $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The pinned requirements are installed by uv (pinned here), which fetches and unpacks
# them in parallel: 17-26 s for a new virtualenv where pip took 47 (its cache is
# ~/.cache/uv). `pip install -r requirements.txt` installs the same packages.
UV_VERSION := 0.13.9
$(BIN)/uv: | $(VENV)/bin/python
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: requirements.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	touch $(VENV)/.installed $@

system-packages:
	@./.ci/apt-ensure $(RUN_PACKAGES)

system-packages-test:
	@./.ci/apt-ensure $(TEST_PACKAGES)

## Front-end packages from npm, copied into site/static/vendor (git-ignored).
assets: node_modules/.installed
	mkdir -p site/static/vendor
	cp node_modules/hls.js/dist/hls.min.js node_modules/hls.js/dist/hls.min.js.map site/static/vendor/

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules site/static/vendor staticfiles .pytest_cache
