#!/usr/bin/env bash
# Install the system packages the tests use when they are missing: Debian's Chromium (browser
# journeys, driven by Playwright with executable_path=/usr/bin/chromium), a CJK font (Chinese text in
# screenshots) and PostgreSQL (the second database the suite runs on).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi\|Noto Sans CJK" || missing+=(fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: chromium, CJK font, postgresql"
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" fontconfig
