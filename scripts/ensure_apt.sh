#!/usr/bin/env bash
# Installs the Debian packages the app and the tests need, only those missing (a second run costs one dpkg query).
set -euo pipefail
# python3-venv: `make` builds .venv with `python3 -m venv`; curl: start.sh polls the host with it.
packages=(unixodbc odbc-postgresql odbc-mariadb libsqliteodbc python3-venv curl "$@")
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "apt: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
