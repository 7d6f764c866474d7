#!/usr/bin/env bash
# Regenerate the audio fixtures in this folder. Documentation only: the tests use the committed
# files and never run ffmpeg. Needs ffmpeg (with libmp3lame, libvorbis, libopus) and python3.
# Usage: tests/data/audio/make_fixtures.sh   (from anywhere; writes next to this script)
set -euo pipefail
cd "$(dirname "$0")"

CLIPS="${NEURONLENS_SHARED_DATA:-../../../../shared/data}/speech/commonvoice61_omnilingo_rsample/hi/clips"
A=common_voice_hi_23827785.mp3   # speaker cv_cb80d11c3532, 3.576 s, MP3 48 kHz mono
B=common_voice_hi_23976060.mp3   # speaker cv_f398e532c430, 3.744 s, MP3 48 kHz mono
PY="${PYTHON:-python3}"
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
ENC=(-map_metadata -1 -fflags +bitexact -flags:a +bitexact)

cp "$CLIPS/$A" "$A"
chmod 644 "$A"

# --- good files: one clip in every supported format ---------------------------------------
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 16000 -ac 1 -c:a pcm_s16le clip_16k_s16.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 1 -c:a pcm_mulaw clip_8k_mulaw.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 1 -c:a pcm_alaw clip_8k_alaw.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 1 -c:a pcm_u8 clip_8k_u8.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 1 -c:a pcm_s24le clip_8k_s24.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 1 -c:a pcm_s32le clip_8k_s32.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 1 -c:a pcm_f32le clip_8k_f32.wav
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 22050 -ac 1 -c:a libvorbis -q:a 2 clip_22k.ogg
"${FF[@]}" -i "$A" "${ENC[@]}" -ac 1 -c:a libopus -b:a 24k clip.opus
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 16000 -ac 1 -c:a flac clip_16k.flac
# AAC in MPEG-4 at 44.1 kHz; +faststart puts the index (moov) first, as phones usually do.
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 44100 -ac 1 -c:a aac -b:a 48k -movflags +faststart clip_44k.m4a

# Two speakers, one per channel (A left, B right), like an agent/customer call recording.
"${FF[@]}" -i "$A" -i "$CLIPS/$B" "${ENC[@]}" \
  -filter_complex "[0:a][1:a]amerge=inputs=2,aresample=16000[out]" -map "[out]" \
  -c:a pcm_s16le stereo_two_speakers.wav
# The same signal on both channels (a mono call saved as "stereo"), telephone rate.
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 8000 -ac 2 -c:a pcm_s16le stereo_identical_8k.wav
# Five seconds of digital silence.
"${FF[@]}" -f lavfi -i "anullsrc=r=8000:cl=mono" -t 5 "${ENC[@]}" -c:a pcm_s16le silence_5s.wav
# A video with no audio track.
"${FF[@]}" -f lavfi -i "testsrc=size=64x48:rate=5" -t 1 "${ENC[@]}" -c:v mpeg4 -q:v 10 \
  video_only.mp4

# --- not audio at all ---------------------------------------------------------------------
cat > s3_expired.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>900</X-Amz-Expires><Expires>2024-05-01T10:15:00Z</Expires><ServerTime>2024-05-01T11:02:41Z</ServerTime><RequestId>4QXK9ZB0J6Y3N2HC</RequestId><HostId>c2FtcGxlIGhvc3QgaWQgZm9yIGEgdGVzdCBmaXh0dXJl</HostId></Error>
XML
cat > error_page.html <<'HTML'
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>403 Forbidden</title></head>
<body><h1>403 Forbidden</h1><p>You don't have permission to access this resource.</p></body>
</html>
HTML
printf '{"error": {"code": 404, "message": "recording not found"}}\n' > api_error.json
# A one-page PDF written by hand (no external tool needed).
"$PY" - <<'PYEOF'
objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"]
out = bytearray(b"%PDF-1.4\n")
offsets = []
for i, body in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open("invoice.pdf", "wb").write(out)
PYEOF
: > empty.wav
"$PY" -c "import random; random.seed(7); open('random_bytes.mp3','wb').write(random.randbytes(4096))"

# --- damaged audio ------------------------------------------------------------------------
cut() { # cut SRC DST PERCENT: keep the first PERCENT % of the bytes
  head -c $(( $(stat -c %s "$1") * $3 / 100 )) "$1" > "$2"
}
cut "$A" truncated.mp3 40
cut clip_16k_s16.wav truncated.wav 40
cut clip_16k.flac truncated.flac 40
# ffmpeg's default MP4 layout writes the index (moov) at the end: cutting loses it entirely.
"${FF[@]}" -i "$A" "${ENC[@]}" -ar 44100 -ac 1 -c:a aac -b:a 48k /tmp/moov_at_end.$$.m4a
cut /tmp/moov_at_end.$$.m4a truncated_moov_at_end.m4a 60
rm -f /tmp/moov_at_end.$$.m4a
# With the index first, a cut file still opens but holds less audio than the index says.
cut clip_44k.m4a truncated_faststart.m4a 50
# A valid FLAC header (STREAMINFO) followed by random bytes instead of audio frames.
"$PY" - <<'PYEOF'
import random
random.seed(11)
head = open("clip_16k.flac", "rb").read()[:8192]
open("garbage_after_header.flac", "wb").write(head + random.randbytes(24576))
PYEOF
# A one-second WAV whose header claims three hours of audio (a lying or damaged header).
"${FF[@]}" -f lavfi -i "sine=frequency=440:sample_rate=8000" -t 1 "${ENC[@]}" -c:a pcm_s16le \
  /tmp/one_second.$$.wav
"$PY" - /tmp/one_second.$$.wav <<'PYEOF'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
claimed = 8000 * 2 * 3 * 3600            # 3 h of 8 kHz 16-bit mono
pos = data.index(b"data")
struct.pack_into("<I", data, pos + 4, claimed)
struct.pack_into("<I", data, 4, claimed + pos + 8 - 8)
open("header_claims_3h.wav", "wb").write(data)
PYEOF
rm -f /tmp/one_second.$$.wav
# An MP3 without a Xing header whose loud start makes FFmpeg's bitrate-based length estimate
# too short (about 15 s for 20 s of audio): the limit must also hold while decoding.
"${FF[@]}" -f lavfi -i "anoisesrc=d=0.3:r=8000:a=0.5,apad=whole_dur=20" -ac 1 "${ENC[@]}" \
  -c:a libmp3lame -q:a 0 -write_xing 0 header_understates_length.mp3

ls -l
du -sh .
