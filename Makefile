# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-all bwrap clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first: installed later as a dependency, pip would fetch a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# bubblewrap gives each sandbox worker its own namespaces; without it the sandbox falls back to weaker isolation.
bwrap:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q bubblewrap >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q bubblewrap >/dev/null 2>&1; }; }; } || \
	  echo "note: bubblewrap not installed; the sandbox will use uid/rlimit isolation only"

demo: $(STAMP) bwrap
	$(VENV)/bin/recode sandbox demo --tasks 20

test: $(STAMP) bwrap
	$(PY) -m pytest -q

test-all: $(STAMP) bwrap
	$(PY) -m pytest -q -m ""

clean:
	rm -rf $(VENV) .pytest_cache
