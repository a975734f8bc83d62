#!/usr/bin/env bash
# Install the system packages the tests use when they are missing: Debian's Chromium (browser
# journeys, driven by Playwright with executable_path=/usr/bin/chromium), a CJK font (Chinese text in
# screenshots and in converted documents), the 公文 PDF fonts (AR PL KaitiM GB, AR PL UMing),
# PostgreSQL (the second database the suite runs on), LibreOffice's writer/impress/calc (office
# documents → PDF for the resource previews, headless) and ffmpeg (video poster frames, ffprobe).
# Each is checked first, so running it again installs nothing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi\|Noto Sans CJK" || missing+=(fonts-wqy-microhei)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The free faces of the 公文 PDFs (GB/T 9704): 楷 for 仿宋/楷体, 明 for 小标宋/宋体.
[ -f /usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf ] || missing+=(fonts-arphic-gkai00mp)
[ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing+=(fonts-arphic-uming)
# Resource previews: soffice converts DOCX/DOC (writer), PPTX/PPT (impress), XLSX (calc).
for part in writer:sw impress:sd calc:sc; do
  [ -f "/usr/lib/libreoffice/program/lib${part#*:}lo.so" ] || missing+=("libreoffice-${part%%:*}")
done
# Redis: the production broker and shared store; tests start a throw-away redis-server.
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# nginx: the cluster test's front (static files, X-Accel-Redirect of large downloads).
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: chromium, CJK fonts, postgresql, libreoffice (writer, impress, calc), ffmpeg, redis-server, nginx"
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" fontconfig
