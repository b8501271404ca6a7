# LTC — make demo: set up and serve a seeded demo; make test: set up and run every check.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo serve worker test bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

# Set-up installs the Python and front-end packages (fonts for PDFs included) and compiles the
# translations: never at serve time, where a process that loaded a missing catalogue stays English.
setup: $(STAMP)
	bash scripts/vendor.sh
	$(VENV)/bin/python manage.py compilemessages --ignore .venv --ignore node_modules --ignore var -v 0

demo: setup
	$(VENV)/bin/ltc demo

serve: setup
	$(VENV)/bin/ltc serve

worker: setup
	$(VENV)/bin/ltc worker

test: setup
	bash scripts/test.sh

bench: setup
	bash benchmarks/run.sh

clean:
	rm -rf $(VENV) node_modules ltc/web/vendor var
