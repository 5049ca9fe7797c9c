#!/usr/bin/env bash
# The one test command, for developers and CI alike (.ci/run calls it).
# On a fresh Debian machine, as root, it installs what the tests need first:
# Debian's Chromium and CJK fonts for the browser tests, then the pinned Python packages.
# Extra arguments go to pytest, e.g. `bash tests/run.sh tests/test_abc.py -x`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1 || ! command -v pdftotext >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y chromium fonts-noto-cjk poppler-utils
fi

python -m pip install --disable-pip-version-check --root-user-action=ignore --quiet -r requirements-test.txt

exec python -m pytest "$@"
