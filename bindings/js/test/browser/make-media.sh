#!/usr/bin/env bash
# A real multi-bitrate HLS ladder for the browser test, made here from a generated source:
# 60 s of lavfi testsrc2, four H.264 renditions (300 / 700 / 1500 / 3000 kb/s), CMAF fMP4
# segments of 2 s (a key frame every 2 s), one media playlist each and a multivariant
# playlist, and a DASH MPD over the same CMAF segments (SegmentTemplate, $Number$) for the
# dash.js and Shaka tests. Usage: make-media.sh OUT_DIR. Installs ffmpeg with apt when it
# is missing.
set -euo pipefail
out=${1:?usage: make-media.sh OUT_DIR}
if ! command -v ffmpeg >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q && $sudo_cmd apt-get install -y -q ffmpeg
fi
# The MPD: one video AdaptationSet, a Representation per HLS variant (its bandwidth, size
# and codecs), the segments the HLS playlists list.
write_mpd() {
  local dir=$1 reps="" i=0
  while IFS= read -r line; do
    case "$line" in
      '#EXT-X-STREAM-INF:'*)
        bw=$(sed -n 's/.*BANDWIDTH=\([0-9]*\).*/\1/p' <<< "$line")
        res=$(sed -n 's/.*RESOLUTION=\([0-9x]*\).*/\1/p' <<< "$line")
        codecs=$(sed -n 's/.*CODECS="\([^"]*\)".*/\1/p' <<< "$line")
        reps+="      <Representation id=\"$i\" bandwidth=\"$bw\" width=\"${res%x*}\" height=\"${res#*x}\" codecs=\"$codecs\" frameRate=\"30\"/>"$'\n'
        i=$((i + 1)) ;;
    esac
  done < "$dir/master.m3u8"
  local segments
  segments=$(grep -c '^seg' "$dir/v0/index.m3u8")
  cat > "$dir/master.mpd.tmp" <<MPD
<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" profiles="urn:mpeg:dash:profile:isoff-live:2011"
     minBufferTime="PT2S" mediaPresentationDuration="PT$((segments * 2))S">
  <Period id="0" start="PT0S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">
      <SegmentTemplate timescale="1000" duration="2000" startNumber="0"
                       initialization="v\$RepresentationID\$/init_\$RepresentationID\$.mp4"
                       media="v\$RepresentationID\$/seg\$Number%03d\$.m4s"/>
$reps    </AdaptationSet>
  </Period>
</MPD>
MPD
  mv "$dir/master.mpd.tmp" "$dir/master.mpd"
}
if [ -f "$out/master.m3u8" ]; then
  [ -f "$out/master.mpd" ] || write_mpd "$out"
  exit 0
fi
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
write_mpd "$out.tmp"
mv "$out.tmp" "$out"
