#!/usr/bin/env bash
# Regenerate the variants of hi_two_speakers.mp3 used by the diarization tests:
#   hi_two_speakers_stereo.mp3   one party per channel (A left, B right), same timing as the mono call
#   hi_two_speakers_8k.wav       the mono call as an 8 kHz G.711 mu-law telephone recording
#   hi_two_speakers_dupmono.mp3  "stereo" that is the mono call twice (must be treated as mono)
#   hi_two_speakers.turns.tsv    speaker, start, end of each turn (clip boundaries, seconds)
# Needs ffmpeg, ffprobe and ../shared/data (the tests use the committed files).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${SHARED:-$here/../../../../shared/data/speech/commonvoice61_omnilingo_rsample/hi/clips}"
clips=(23849295 23827803 23852775 23827794 23847550 23827785 23849319 23827795)
inputs=(); filter=""; start=0
printf 'speaker\tstart\tend\n' > "$here/hi_two_speakers.turns.tsv"
for i in "${!clips[@]}"; do
  f="$src/common_voice_hi_${clips[$i]}.mp3"
  inputs+=(-i "$f")
  # Samples after resampling to 16 kHz, exactly as the concat filter sees them.
  n=$(ffmpeg -loglevel error -i "$f" -af aresample=16000 -ac 1 -f s16le - | wc -c)
  dur=$(python3 -c "print(f'{$n / 2 / 16000:.4f}')")
  speaker=$([ $((i % 2)) -eq 0 ] && echo A || echo B)
  end=$(python3 -c "print(f'{$start + $dur:.4f}')")
  printf '%s\t%s\t%s\n' "$speaker" "$start" "$end" >> "$here/hi_two_speakers.turns.tsv"
  start=$(python3 -c "print(f'{$end + 0.6:.4f}')")
  # The party's clip on its own channel, the other channel silent for as long.
  if [ "$speaker" = A ]; then pan="c0=c0|c1=0*c0"; else pan="c0=0*c0|c1=c0"; fi
  filter+="[$i:a]aresample=16000,aformat=channel_layouts=mono,apad=pad_dur=0.6,pan=stereo|$pan[a$i];"
done
for i in "${!clips[@]}"; do filter+="[a$i]"; done
filter+="concat=n=${#clips[@]}:v=0:a=1[out]"
ffmpeg -loglevel error -y "${inputs[@]}" -filter_complex "$filter" -map "[out]" \
  -ar 16000 -ac 2 -b:a 40k "$here/hi_two_speakers_stereo.mp3"
ffmpeg -loglevel error -y -i "$here/hi_two_speakers.mp3" -af "highpass=f=300,lowpass=f=3400" \
  -ar 8000 -ac 1 -c:a pcm_mulaw "$here/hi_two_speakers_8k.wav"
ffmpeg -loglevel error -y -i "$here/hi_two_speakers.mp3" -ac 2 -ar 16000 -b:a 40k \
  "$here/hi_two_speakers_dupmono.mp3"
