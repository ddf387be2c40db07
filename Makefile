# Xinyuan — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export XINYUAN_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install install-dev migrate demo lint check e2e-deps messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	mkdir -p -m 0700 "$(XINYUAN_DATA_DIR)"
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py generate_demo_data --contacts 3000 --years 1 --if-empty

# Set up and serve on the embedded SQLite default with a production WSGI server, with the task
# worker and the audit sealer beside it; stopping one (Ctrl+C) stops all. Before the worker
# starts, tasks left RUNNING by a worker that was killed are queued again (this is the only
# worker), and one reminder sweep is queued to catch up on the time the app was stopped.
run: demo
	@echo ""
	@echo "Xinyuan is starting on http://127.0.0.1:$(PORT)/"
	@echo "  demo logins: counsellor1, supervisor1, director1, auditor1, admin1 (second centre: counsellor2, supervisor2, director2; health commission: officer1)"
	@echo "  password: $${XINYUAN_DEMO_PASSWORD:-xinyuan-demo-2026}"
	@echo ""
	$(PY) manage.py requeue_stale_tasks --older-than-minutes 0
	$(PY) manage.py send_follow_up_reminders --enqueue
	$(PY) manage.py close_stale_contacts --enqueue
	$(PY) manage.py notify_coverage_gaps --enqueue
	$(PY) manage.py rebuild_report_rollup --enqueue
	$(PY) manage.py escalate_overdue_follow_ups --enqueue
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	$(PY) manage.py seal_audit --loop 2 & sealer=$$!; \
	$(VENV)/bin/gunicorn config.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 \
		--access-logfile - --error-logfile - & server=$$!; \
	trap 'kill -INT $$server $$worker $$sealer 2>/dev/null' INT; \
	trap 'kill -TERM $$server $$worker $$sealer 2>/dev/null' TERM; \
	wait $$server; status=$$?; \
	kill -TERM $$server $$worker $$sealer 2>/dev/null; wait; exit $$status

# The whole suite: lint, types, migrations check, unit/integration and browser tests.
test: install-dev
	mkdir -p -m 0700 "$(XINYUAN_DATA_DIR)"
	$(PY) manage.py compilemessages -v 0 --ignore=.venv 2>/dev/null || echo "msgfmt not found: using committed .mo files"
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy xinyuan config
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

messages: install-dev
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var staticfiles
