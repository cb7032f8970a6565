# Two entry points for a fresh clone:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
# torch first and pinned: 2.13.0 is the CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test bench clean

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

test: install  ## run the test suite (offline; needs no ../shared data)
	$(PY) -m pytest

clean:
	rm -rf out .pytest_cache
