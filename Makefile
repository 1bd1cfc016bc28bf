# postship-analysis — two commands on a fresh clone: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KERNEL := postship
DATA   ?= data/sample
OUT    ?= reports

.PHONY: report test lab lint sample benchmark check-data clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (postship)"
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Run every report notebook on $(DATA) and render HTML into $(OUT)/
report: $(VENV)/.installed
	$(BIN)/postship report --data $(DATA) --out $(OUT) --workers 2

## Run the whole test suite
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

## Open JupyterLab on the notebooks with the postship kernel (the NN_*.py percent scripts open
## as notebooks through jupytext; containers often run as root, hence --allow-root for root only)
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: $(VENV)/.installed
	mkdir -p $(LAB_SETTINGS)
	printf '%s\n' '{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}}}' > $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

## Regenerate data/sample/ (deterministic, seeded)
sample: $(VENV)/.installed
	$(BIN)/python -m postship_analysis.sample --out data/sample --truth data/sample_truth

## Say which inputs a data folder has and which reports can run
check-data: $(VENV)/.installed
	$(BIN)/postship check-data $(DATA)

benchmark: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_read_orders.py
	$(BIN)/python benchmarks/bench_forecast.py
	$(BIN)/python benchmarks/bench_orders_to_restock.py
	$(BIN)/python benchmarks/bench_recovery.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
