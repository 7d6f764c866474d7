#!/usr/bin/env bash
# Regenerate en_agent_customer.mp3 and en_agent_customer.turns.tsv: a SYNTHETIC two-voice service
# call for the role test (espeak-ng, agent "en+f2", customer "en+m3", 0.5 s between turns,
# 16 kHz mono MP3). Needs espeak-ng, ffmpeg and ffprobe (the tests use the committed files).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
turns=(
  "agent|Good morning, thank you for calling Sahyog Bank customer care, this is Priya. How can I help you today?"
  "customer|Hi, my debit card is not working since yesterday. I think it is blocked."
  "agent|I am sorry to hear that, sir. May I have your registered mobile number to verify your account?"
  "customer|Yes, it is nine eight four five zero, one two three four five."
  "agent|Thank you, sir. I have unblocked your card now. Is there anything else I can help you with?"
  "customer|No, that is all. Thanks a lot."
)
printf 'speaker\tstart\tend\n' > "$here/en_agent_customer.turns.tsv"
start=0; list="$tmp/list.txt"; : > "$list"
for i in "${!turns[@]}"; do
  role="${turns[$i]%%|*}"; text="${turns[$i]#*|}"
  voice=$([ "$role" = agent ] && echo en+f2 || echo en+m3)
  espeak-ng -v "$voice" -s 150 -w "$tmp/$i.raw.wav" "$text"
  ffmpeg -loglevel error -y -i "$tmp/$i.raw.wav" -ar 16000 -ac 1 "$tmp/$i.wav"
  dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/$i.wav")
  end=$(python3 -c "print(f'{$start + $dur:.3f}')")
  printf '%s\t%s\t%s\n' "$role" "$start" "$end" >> "$here/en_agent_customer.turns.tsv"
  ffmpeg -loglevel error -y -f lavfi -i anullsrc=r=16000:cl=mono -t 0.5 "$tmp/gap$i.wav"
  printf "file '%s'\nfile '%s'\n" "$tmp/$i.wav" "$tmp/gap$i.wav" >> "$list"
  start=$(python3 -c "print(f'{$end + 0.5:.3f}')")
done
ffmpeg -loglevel error -y -f concat -safe 0 -i "$list" -ar 16000 -ac 1 -b:a 48k \
  "$here/en_agent_customer.mp3"
