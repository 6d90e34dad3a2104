#!/usr/bin/env bash
# The UI's only build step: copy Microsoft's SignalR browser client from node_modules (pinned in package.json) into
# web/vendor/, which the app serves and .gitignore keeps out of the repository. Run by `make start`/`make test`;
# run it before publishing to Azure so the package carries the file.
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules/@microsoft/signalr/dist/browser/signalr.min.js
mkdir -p web/vendor
cmp -s "$src" web/vendor/signalr.min.js 2>/dev/null || cp "$src" web/vendor/signalr.min.js
