# The two commands: `make book` and `make test`. Both set up .venv first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The set-up is redone only when the lock or pyproject.toml change.
KEY := $(shell cat requirements/lock.txt pyproject.toml | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(KEY)
# Parallel pytest workers; loadscope keeps each notebook's cells on one worker.
WORKERS ?= 2
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 3
# figures must reach the notebooks inline: a non-interactive backend from the caller hides them
unexport MPLBACKEND
# Two kernels or test workers share two cores: one BLAS/OpenMP/numba/TensorFlow thread each,
# so that they do not fight (and runs are reproducible).
THREAD_VARS := OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS NUMBA_NUM_THREADS \
               TF_NUM_INTRAOP_THREADS TF_NUM_INTEROP_THREADS
$(foreach v,$(THREAD_VARS),$(eval book test test-latest: export $(v) := 1))

.PHONY: setup chromium book test test-latest lab bench student assignments grade coursepack lock clean

setup: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (mlnotes)" >/dev/null
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "Environment ready in $(VENV)"

# The browser check drives Debian's Chromium; installed here when missing (as root, e.g. CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	 command -v google-chrome >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium for the browser check"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser check needs Chromium: sudo apt-get install chromium"; exit 1; fi; }

## make book: execute the notebooks that changed (two kernels at once), build the HTML book
## incrementally (warnings as errors), open the pages that changed in Chromium (CHECK=all: every page).
# tools/execute_notebooks.py keys each notebook on its code, the package modules it imports and
# the lock: editing mlnotes/signal.py re-executes the signal notebooks and nothing else.
JOBS ?= 2
book: $(STAMP) chromium
	$(BIN)/python tools/execute_notebooks.py --jobs $(JOBS)
	@# An incremental build does not repeat an earlier build's warnings: after a failed build,
	@# rebuild every page so that they show (and fail) again.
	@mkdir -p book/_build; all=; [ ! -f book/_build/.failed ] || all=--all; touch book/_build/.failed; \
	 echo "$(BIN)/jupyter-book build book/ --path-output book -W --keep-going $$all"; \
	 $(BIN)/jupyter-book build book/ --path-output book -W --keep-going $$all
	$(BIN)/python tools/check_html.py book/_build/html $(if $(filter all,$(CHECK)),,--changed)
	@rm -f book/_build/.failed
	@echo "The book is at $(CURDIR)/book/_build/html/index.html"

## make test: ruff, a book build that checks references, unit tests, every notebook through nbval,
## and the browser and accessibility check of every page.
# The check build comes first: the course-pack test prints its pages (built once, not twice).
test: $(STAMP) chromium
	$(BIN)/ruff check --quiet .
	$(BIN)/python tools/check_book_build.py
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadscope --nbval-lax --nbval-current-env
	$(BIN)/python tools/check_html.py book/_build/check/_build/html

## make test-latest: the same tests in .venv-latest, built from the ranges in pyproject.toml
## (newest releases) instead of the lock; the weekly CI job runs it to catch upgrade breakage.
test-latest: chromium
	rm -rf .venv-latest && $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --disable-pip-version-check --upgrade -e ".[all]"
	.venv-latest/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	.venv-latest/bin/ruff check --quiet .
	.venv-latest/bin/python tools/check_book_build.py
	.venv-latest/bin/python -m pytest -n $(WORKERS) --dist loadscope --nbval-lax --nbval-current-env
	.venv-latest/bin/python tools/check_html.py book/_build/check/_build/html

## make lab: JupyterLab on the book with the environment's kernel; open the URL it prints.
# Containers and cloud VMs run as root, where Jupyter refuses to start without --allow-root:
# pass it there (the server still listens on localhost only and asks for its token).
LAB_DIR ?= book
LAB_ARGS ?=
lab: $(STAMP)
	@echo "Starting JupyterLab on $(LAB_DIR)/: open the http://127.0.0.1:... URL (with its token) it prints below."
	$(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) --ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

## make bench: the side-by-side timings behind the performance page.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## make student: the student edition (solutions removed) in student/, to hand out.
student: $(STAMP)
	$(BIN)/python tools/student_edition.py student

## make assignments: per chapter, the student notebooks (public checks included) and the grader's
## files (otter-grader), in assignments/, generated from the book's notebooks.
assignments: $(STAMP)
	$(BIN)/python tools/assignments.py build assignments

## make grade SUBMISSIONS=dir: grade every submitted notebook (each in its own kernel, TIMEOUT
## seconds at most) into grades/grades.csv and grades/summary.csv.
TIMEOUT ?= 600
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-of-notebooks"; exit 2; }
	$(BIN)/python tools/assignments.py grade $(SUBMISSIONS) --assignments assignments --out grades --timeout $(TIMEOUT) --jobs $(JOBS)

## make coursepack: the built book (make book first), chapter by chapter, as PDFs in coursepack/.
coursepack: $(STAMP) chromium
	$(BIN)/python tools/coursepack.py book/_build/html coursepack

## make lock: regenerate requirements/lock.txt from the ranges in pyproject.toml.
lock:
	rm -rf /tmp/mlnotes-lock && $(PYTHON) -m venv /tmp/mlnotes-lock
	/tmp/mlnotes-lock/bin/python -m pip install --quiet --disable-pip-version-check ".[all]"
	( echo "# Exact pins for Python 3.11, generated by \`make lock\` from the ranges in pyproject.toml."; \
	  /tmp/mlnotes-lock/bin/python -m pip freeze --exclude-editable --exclude mlnotes --exclude mlnotes-book ) > requirements/lock.txt
	rm -rf /tmp/mlnotes-lock build mlnotes.egg-info

clean:
	rm -rf book/_build .pytest_cache .hypothesis
