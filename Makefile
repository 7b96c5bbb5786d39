# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian's Fashion-MNIST, the data of the PATE traces (tests run a small pipeline on it).
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test bench mutate clean pool traces-full redis

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is pinned so pip takes the CPU build rather than a multi-GB CUDA one.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[traces,test]"
	touch $(STAMP)

$(FASHION_MNIST):
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y dataset-fashion-mnist

# The gateway's tests start a Redis server and drive the browser client in headless Chromium.
REDIS := /usr/bin/redis-server
CHROMIUM := /usr/bin/chromium
$(REDIS) $(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y redis-server chromium

demo: $(STAMP)
	$(BIN)/powsim table --traces traces/bundled --mode paper --format md --out results/table2-paper.md
	@echo "wrote results/table2-paper.md"
	$(BIN)/powsim simulate examples/quickstart.toml --out results/quickstart --seed 0

# A Redis for several `powsim serve --store redis://127.0.0.1:6379/0` gateways (foreground, no persistence).
redis: $(REDIS)
	$(REDIS) --port 6379 --bind 127.0.0.1 --save "" --appendonly no

# The suite runs on every core (pytest-xdist): about 12 CPU-minutes in all.
test: $(STAMP) $(FASHION_MNIST) $(REDIS) $(CHROMIUM)
	$(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_sim.py
	$(BIN)/python benchmarks/bench_vectorised.py --calibrate
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_hashcash.py
	$(BIN)/python benchmarks/bench_puzzles.py
	$(BIN)/python benchmarks/pate_speed.py
	$(BIN)/python benchmarks/bench_load.py
	$(BIN)/python -m pytest benchmarks --benchmark-enable

# Mutation testing of the modules that compute results (tools/mutate.py; minutes, not in `make test`).
mutate: $(VENV)/.mutate-installed
	$(BIN)/python tools/mutate.py

$(VENV)/.mutate-installed: $(STAMP)
	$(BIN)/pip install --quiet -e ".[mutate]"
	touch $@

# The legitimate pool of examples/what-if-a.toml (trains the teachers on first use, cached).
pool: $(STAMP) $(FASHION_MNIST)
	$(BIN)/powsim traces pool --seed 0 --teachers 250 --sigma 10 --delta 1e-5 --device cpu \
	  --calibration 0.5 --split-seed 0 --out traces/pools/fmnist-pool.parquet

# Every PATE trace and the pool from one ensemble (tools/traces_full.sh). DEVICE=cuda SCALE=full
# writes traces/full/ (a lent GPU: PART=1, then PART=2, each about one 10-minute command);
# DEVICE=cpu SCALE=reduced proves the same script on CPU into results/traces-reduced/.
DEVICE ?= cuda
SCALE ?= full
PART ?= all
traces-full: $(STAMP) $(FASHION_MNIST)
	tools/traces_full.sh $(DEVICE) $(SCALE) $(PART)

clean:
	rm -rf $(VENV) results .mutate
