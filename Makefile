# Two entry points for a fresh clone:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
# torch first and pinned: 2.13.0 is the CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install browser demo test scoreboard screenshot clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(TORCH)
	$(PIP) install --quiet $(TORCH) -c requirements.lock -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install  ## analyze the bundled sample and write out/report.html
	$(VENV)/bin/feedback2journey run --out out
	@echo "Open out/report.html in a browser."

# The browser tests drive Debian's Chromium; installed here when missing (needs root, as on CI).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  { echo "Chromium is needed for the browser tests: sudo apt-get install chromium chromium-driver"; exit 1; }

test: install browser  ## run the test suite (offline; needs no ../shared data)
	$(PY) -m pytest

scoreboard: install  ## every quality figure on ../shared/data beside its notebook baseline (BENCHMARKS.md, Quality)
	$(PY) benchmarks/scoreboard.py --markdown benchmarks/scoreboard.md

screenshot: demo browser  ## refresh docs/report.png from the demo's report
	chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
	  --disable-sync --no-first-run --user-data-dir=$$(mktemp -d) --window-size=1300,1500 \
	  --screenshot=docs/report.png file://$(CURDIR)/out/report.html

clean:
	rm -rf out .pytest_cache
