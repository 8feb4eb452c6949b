#!/usr/bin/env bash
# Generates the tiny encoded clips and reference decodes used by AudioDecoderTests. Run once, by hand; the
# outputs are committed (about 150 KB). Needs Debian's ffmpeg (with libmp3lame, libvorbis and libopus).
#   source.wav          0.25 s stereo 44.1 kHz 16-bit: a 440 Hz tone left, a 880 -> 3000 Hz sweep right, a little noise
#   source_11k_mono.wav the same mixed to mono at 11.025 kHz
#   tone.mp3            128 kbit/s MP3 of source.wav (LAME, with its gapless "Info" header)
#   tone.ogg            Ogg Vorbis q3 of source.wav
#   tone_11k_mono.ogg   Ogg Vorbis of source_11k_mono.wav
#   tone.flac           FLAC of source.wav (lossless: must decode to source.wav exactly)
#   tone_11k_mono.aiff  AIFF of source_11k_mono.wav (lossless too)
#   tone.opus tone.m4a  Opus and AAC of source.wav (only ffmpeg decodes them)
#   *.ref.wav           the MP3 and Vorbis files decoded by ffmpeg to float32 WAV (the reference for NLayer and NVorbis)
set -euo pipefail
cd "$(dirname "$0")"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
ff -f lavfi -i "aevalsrc=0.5*sin(2*PI*440*t)+0.01*(random(0)-0.5)|0.4*sin(2*PI*(880+2600*t/0.25)*t):s=44100:d=0.25" -c:a pcm_s16le source.wav
ff -i source.wav -ac 1 -ar 11025 -c:a pcm_s16le source_11k_mono.wav
ff -i source.wav -c:a libmp3lame -b:a 128k tone.mp3
ff -i source.wav -c:a libvorbis -q:a 3 tone.ogg
ff -i source_11k_mono.wav -c:a libvorbis -q:a 3 tone_11k_mono.ogg
ff -i source.wav -c:a flac tone.flac
ff -i source_11k_mono.wav -c:a pcm_s16be tone_11k_mono.aiff
ff -i source.wav -c:a libopus -b:a 64k tone.opus
ff -i source.wav -c:a aac -b:a 96k tone.m4a
for f in tone.mp3 tone.ogg tone_11k_mono.ogg; do
  ff -i "$f" -c:a pcm_f32le "$f.ref.wav"
done
