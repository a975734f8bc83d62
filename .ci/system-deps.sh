#!/usr/bin/env bash
# Install the system packages the tests use when they are missing: Debian's Chromium (browser
# journeys, driven by Playwright with executable_path=/usr/bin/chromium), a CJK font (Chinese text in
# screenshots), the 公文 PDF fonts (AR PL KaitiM GB, AR PL UMing) and PostgreSQL (the second
# database the suite runs on).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi\|Noto Sans CJK" || missing+=(fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The free faces of the 公文 PDFs (GB/T 9704): 楷 for 仿宋/楷体, 明 for 小标宋/宋体.
[ -f /usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf ] || missing+=(fonts-arphic-gkai00mp)
[ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing+=(fonts-arphic-uming)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: chromium, CJK fonts, postgresql"
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" fontconfig
