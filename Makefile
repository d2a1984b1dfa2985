# Bianmin (便民): the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages the tests use: Chromium for the clerk console, Xvfb for the Kivy
# windows, espeak-ng and sox for announcements, libmtdev1 and Mesa for Kivy,
# libusb for USB printers, poppler for turning printed notices into images, tesseract
# (with Simplified Chinese) for reading the hall display's screenshots back, PostgreSQL for
# the county server (the tests start a throwaway cluster of their own), and fonts-noto-cjk
# to build the extended font subset for rare township names (攸, 醴, 塅), and faketime
# to run the real server on a duty day and a Sunday.
TEST_DEBS := chromium xvfb xauth x11-utils libmtdev1 libgl1 libgl1-mesa-dri espeak-ng sox \
	tesseract-ocr tesseract-ocr-chi-sim \
	libusb-1.0-0 poppler-utils postgresql fonts-noto-cjk faketime
RUN_DEBS := libmtdev1 libgl1 libgl1-mesa-dri espeak-ng sox libusb-1.0-0

.PHONY: run test lint bench debs-test debs-run font clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[county,kiosk,display,publish,dev]'
	touch $(STAMP)

# Install missing Debian packages, only when we are root (CI and fresh machines).
debs-test:
	@scripts/ensure_debs.sh $(TEST_DEBS)

debs-run:
	@scripts/ensure_debs.sh $(RUN_DEBS)

# make run ARGS="--public-url http://192.168.1.20:8000" sets the address in ticket QR codes.
run: debs-run $(STAMP)
	$(PY) -m queue_server.launcher $(ARGS)

test: debs-test lint
	scripts/run_tests.sh

# Strict and clean: lint rules, formatting, and the type checker over every package.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) -m bench.server

# Rebuild bianmin/data/fonts from Debian's fonts-noto-cjk (needs that package).
font: $(STAMP)
	@scripts/ensure_debs.sh fonts-noto-cjk
	$(PY) scripts/make_font.py

clean:
	rm -rf $(VENV) var .pytest_cache
