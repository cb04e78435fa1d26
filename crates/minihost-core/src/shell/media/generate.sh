#!/usr/bin/env bash
# Regenerates ad-creative.mp4, the host's bundled ad: 360x640 portrait, 6 s, H.264
# (yuv420p, main profile, faststart), no audio, under 200 KB. Needs ffmpeg with libx264;
# drawtext (libfreetype) and the DejaVu fonts are used when present.
set -euo pipefail
cd "$(dirname "$0")"
command -v ffmpeg >/dev/null || { echo "ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
filter="format=yuv420p,hue=H=2*PI*t/6,drawbox=x=0:y=250:w=iw:h=140:color=0x000000@0.6:t=fill"
if [[ "$(ffmpeg -hide_banner -filters 2>/dev/null)" == *" drawtext "* ]] && [ -f "$font" ]; then
  filter+=",drawtext=fontfile=${font}:text='TEST AD':fontcolor=white:fontsize=56:x=(w-tw)/2:y=265"
  filter+=",drawtext=fontfile=${font}:text='minihost ad creative':fontcolor=white@0.85:fontsize=20:x=(w-tw)/2:y=345"
fi
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "smptehdbars=size=360x640:rate=24:duration=6" \
  -vf "$filter" \
  -c:v libx264 -profile:v main -preset medium -crf 34 -pix_fmt yuv420p \
  -movflags +faststart -an -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
  ad-creative.mp4
size=$(stat -c %s ad-creative.mp4)
echo "ad-creative.mp4: ${size} bytes"
[ "$size" -lt 204800 ] || { echo "ad-creative.mp4 is over 200 KB" >&2; exit 1; }
