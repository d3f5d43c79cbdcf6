# Two commands do everything on a fresh machine with Python 3.11+ and pip:
#   make run    install into .venv and launch the app
#   make test   install into .venv (with test extras) and run lint + the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench bundle clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python main.py $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python bench/bench_engine.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_ui.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/bench_landscape.py

# A one-folder app with its own Python and Qt (PyInstaller; ~30 s, ~220 MB): build/gradexplorer/,
# started by build/gradexplorer/gradexplorer. It is made from a plain (not editable) install of
# this tree, so it holds what the wheel holds, and checked: lessons and icon found, a screenshot.
BUNDLE := build/bundle

$(VENV)/.installed-bundle: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bundle]"
	touch $@

bundle: $(VENV)/.installed-bundle
	rm -rf build/lib build/bdist.* $(BUNDLE) build/gradexplorer
	$(BIN)/python -m pip install --quiet --no-deps --target $(BUNDLE)/site .
	PYTHONPATH=$(BUNDLE)/site $(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		--name gradexplorer --windowed --collect-data gradexplorer \
		--hidden-import gradexplorer.assets --hidden-import gradexplorer.ui.app \
		--distpath build --workpath $(BUNDLE)/work --specpath $(BUNDLE) tools/bundle_entry.py
	build/gradexplorer/gradexplorer --bundle-self-check
	QT_QPA_PLATFORM=offscreen build/gradexplorer/gradexplorer gui "x^2 + 3x" --x 2 \
		--screenshot $(BUNDLE)/screenshot.png

clean:
	rm -rf $(VENV) build *.egg-info
