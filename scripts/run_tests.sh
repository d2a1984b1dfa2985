#!/usr/bin/env bash
# Run the whole suite headless. Kivy windows need an X server: start Xvfb when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
export KIVY_NO_ARGS=1 SDL_AUDIODRIVER=dummy KIVY_LOG_MODE=PYTHON
if [ -z "${DISPLAY:-}" ]; then
  exec xvfb-run -a -s "-screen 0 1920x1920x24" .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest "$@"
