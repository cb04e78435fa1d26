#!/usr/bin/env bash
# Regenerates the sample episode clips ep1.mp4 .. ep3.mp4: 360x640 portrait,
# 6 s, H.264 (yuv420p, main profile, faststart) with no audio, each under
# 400 KB. Needs ffmpeg with libx264; drawtext (libfreetype) and the DejaVu
# fonts are used when present for the episode title overlay.
set -euo pipefail
cd "$(dirname "$0")"

command -v ffmpeg >/dev/null || { echo "ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
have_drawtext=0
filters=$(ffmpeg -hide_banner -filters 2>/dev/null || true)
if [[ "$filters" == *" drawtext "* ]] && [ -f "$font" ]; then
  have_drawtext=1
fi

titles=("" "Clause Seven" "Midnight at the Manor" "A Secret Unveiled")
tints=("" "0x7a1f3d" "0x1f3d7a" "0x3d7a1f")

for n in 1 2 3; do
  filter="format=yuv420p,drawbox=x=0:y=430:w=iw:h=210:color=${tints[$n]}@0.85:t=fill"
  if [ "$have_drawtext" = 1 ]; then
    filter+=",drawtext=fontfile=${font}:text='EP ${n}':fontcolor=white:fontsize=72:x=(w-tw)/2:y=455"
    filter+=",drawtext=fontfile=${font}:text='${titles[$n]}':fontcolor=white:fontsize=24:x=(w-tw)/2:y=545"
    filter+=",drawtext=fontfile=${font}:text='%{pts\\:hms}':fontcolor=white@0.8:fontsize=20:x=(w-tw)/2:y=595"
  fi
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=360x640:rate=24:duration=6" \
    -vf "$filter" \
    -c:v libx264 -profile:v main -preset medium -crf 32 -pix_fmt yuv420p \
    -movflags +faststart -an -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
    "ep${n}.mp4"
  size=$(stat -c %s "ep${n}.mp4")
  echo "ep${n}.mp4: ${size} bytes"
  if [ "$size" -ge 409600 ]; then
    echo "ep${n}.mp4 is over 400 KB" >&2
    exit 1
  fi
done
