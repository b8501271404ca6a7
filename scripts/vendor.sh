#!/usr/bin/env bash
# Install the pinned front-end packages (package-lock.json) and copy the files the UI serves
# into ltc/web/vendor/ (git-ignored), where Django's staticfiles finds them, and the CJK font
# that PDF documents embed into ltc/fonts/ (git-ignored; not static: browsers never load it).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=ltc/web/vendor/.stamp
if [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ]; then exit 0; fi
npm ci --no-audit --no-fund --loglevel=error
out=ltc/web/vendor
rm -rf "$out"
mkdir -p "$out/tabler/css" "$out/tabler/js" "$out/tabler-icons/fonts" "$out/htmx" "$out/echarts" "$out/sortablejs"
cp node_modules/@tabler/core/dist/css/tabler.min.css "$out/tabler/css/"
cp node_modules/@tabler/core/dist/js/tabler.min.js "$out/tabler/js/"
cp node_modules/@tabler/icons-webfont/dist/tabler-icons.min.css "$out/tabler-icons/"
cp node_modules/@tabler/icons-webfont/dist/fonts/tabler-icons.woff2 "$out/tabler-icons/fonts/"
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
cp node_modules/sortablejs/Sortable.min.js "$out/sortablejs/"
fonts=ltc/fonts
noto=node_modules/@expo-google-fonts/noto-sans-sc
rm -rf "$fonts"
mkdir -p "$fonts"
cp "$noto/400Regular/NotoSansSC_400Regular.ttf" "$fonts/NotoSansSC-Regular.ttf"
cp "$noto/700Bold/NotoSansSC_700Bold.ttf" "$fonts/NotoSansSC-Bold.ttf"
cp "$noto/LICENSE_FONT" "$fonts/LICENSE-OFL.txt"
touch "$stamp"
