#!/usr/bin/env bash
# Regenerate hi_two_speakers.mp3: eight Common Voice 6.1 Hindi clips (CC0) from two speakers,
# alternating A/B with 0.6 s of silence between turns, 16 kHz mono, MP3 48 kb/s.
# Needs ffmpeg and ../shared/data (not needed by the tests, which use the committed file).
set -euo pipefail
src="${SHARED:-$(dirname "$0")/../../../../shared/data/speech/commonvoice61_omnilingo_rsample/hi/clips}"
clips=(23849295 23827803 23852775 23827794 23847550 23827785 23849319 23827795)
inputs=(); filter=""
for i in "${!clips[@]}"; do
  inputs+=(-i "$src/common_voice_hi_${clips[$i]}.mp3")
  filter+="[$i:a]aresample=16000,aformat=channel_layouts=mono,apad=pad_dur=0.6[a$i];"
done
for i in "${!clips[@]}"; do filter+="[a$i]"; done
filter+="concat=n=${#clips[@]}:v=0:a=1[out]"
ffmpeg -loglevel error -y "${inputs[@]}" -filter_complex "$filter" -map "[out]" \
  -ar 16000 -ac 1 -b:a 48k "$(dirname "$0")/hi_two_speakers.mp3"
