# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What the test run needs from the environment; DATABASE_URL passes through when set.
TEST_ENV := SECRET_KEY=test-only-not-a-secret-but-as-long-as-production-asks-0123456789 \
	SECURE_SSL_REDIRECT=0
# `make run PORT=8010` serves on another port; the links in e-mails follow it.
PORT ?= 8000
RUN_ENV := DEBUG=1 SITE_URL=http://127.0.0.1:$(PORT)

.PHONY: run test lint install browser clean messages port-free

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' 2>$(VENV)/pip.log || { cat $(VENV)/pip.log; exit 1; }
	touch $@

install: $(VENV)/.installed

run: install port-free
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# One sentence instead of a traceback when another program holds the port.
port-free:
	@$(PYTHON) -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', $(PORT))); s.close()" \
		2>/dev/null || { echo "Port $(PORT) is already in use on 127.0.0.1: choose another one, e.g. make run PORT=8010."; exit 1; }

test: install
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Re-extract the translatable strings into locale/pl and compile the catalogue
# (needs gettext's msgfmt; the compiled .mo is committed so the app runs without it).
messages: install
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l pl --no-location --no-wrap --no-obsolete \
		--ignore=.venv --ignore=staticfiles --ignore=tests --ignore=test-artifacts
	$(RUN_ENV) $(BIN)/python manage.py compilemessages -l pl --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
