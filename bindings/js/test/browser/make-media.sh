#!/usr/bin/env bash
# A real multi-bitrate HLS ladder for the browser test, made here from a generated source:
# 60 s of lavfi testsrc2, four H.264 renditions (300 / 700 / 1500 / 3000 kb/s), CMAF fMP4
# segments of 2 s (a key frame every 2 s), one media playlist each and a multivariant
# playlist. Usage: make-media.sh OUT_DIR. Installs ffmpeg with apt when it is missing.
set -euo pipefail
out=${1:?usage: make-media.sh OUT_DIR}
if ! command -v ffmpeg >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q ffmpeg
fi
if [ -f "$out/master.m3u8" ]; then exit 0; fi
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
fps=30
gop=$((fps * 2))
enc=()
i=0
for spec in 426x240:300 640x360:700 960x540:1500 1280x720:3000; do
  size=${spec%%:*}; kbps=${spec##*:}
  enc+=(-map "[v$i]" -c:v:$i libx264 -b:v:$i "${kbps}k" -maxrate:v:$i "$((kbps * 11 / 10))k"
        -bufsize:v:$i "$((kbps * 2))k")
  i=$((i + 1))
done
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=${fps}:duration=60" \
  -filter_complex "[0:v]split=4[a][b][c][d];[a]scale=426:240[v0];[b]scale=640:360[v1];[c]scale=960:540[v2];[d]scale=1280:720[v3]" \
  "${enc[@]}" -preset veryfast -profile:v main -pix_fmt yuv420p \
  -g "$gop" -keyint_min "$gop" -sc_threshold 0 -x264-params "nal-hrd=vbr" \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 \
  -hls_fmp4_init_filename init.mp4 -hls_segment_filename "$out.tmp/v%v/seg%03d.m4s" \
  -master_pl_name master.m3u8 -var_stream_map "v:0 v:1 v:2 v:3" "$out.tmp/v%v/index.m3u8"
mv "$out.tmp" "$out"
