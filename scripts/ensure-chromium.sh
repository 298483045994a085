#!/usr/bin/env sh
# Make sure headless Chromium (Debian's `chromium` package) is there for the status page's
# browser test. Installs it with apt-get when missing and running as root; otherwise says why
# not and exits 0 (the test then skips locally, and fails when CI is set).
set -eu

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: chromium is missing; install Debian's 'chromium' package (needs root and apt-get)"
    exit 0
fi
echo "ensure-chromium: installing chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
echo "ensure-chromium: $(chromium --version 2>/dev/null || echo 'chromium installed')"
