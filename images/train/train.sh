#!/usr/bin/env bash
# Reproduces the committed recogniser weights in images/models/ on a CPU (2 cores: about an
# hour): trains the reader, the state model and the detector on the training splits of
# ../shared/data, then records the accuracy the CI test holds the weights to.
#
#   bash images/train/train.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${ALPR_TRAIN_VENV:-$HOME/.cache/alpr-train-venv}"
work="${ALPR_TRAIN_WORK:-$(mktemp -d)}"
export ALPR_SHARED_DATA="${ALPR_SHARED_DATA:-$root/../shared/data}"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
py="$venv/bin/python"

cd "$here"
"$py" splits.py
# All three train on the training splits of the real images, heavily augmented (the reader also
# on the training scenes' plates, the detector with real plate crops pasted into scenes).
# `--synthetic DIR` / `--synthetic-scenes DIR` add plates and streets from `alpr render`; a
# detector trained with 400 rendered streets did worse on the held-out real scenes
# (images/BENCHMARKS.md), so the committed one was trained without them.
"$py" train_reader.py reader --epochs 6 --copies 24 --seed 1 \
    --out ../models/reader.onnx --report "$work/reader.json"
"$py" train_reader.py state --epochs 8 --copies 24 --seed 1 \
    --out ../models/state.onnx --report "$work/state.json"
"$py" train_detector.py --windows 8000 --epochs 6 --seed 1 \
    --out ../models/detector.onnx --report "$work/detector.json"

# The figures the committed weights must keep (images/tests/recognize_accuracy.rs).
cd "$root"
cargo build --release --locked --bin alpr
alpr="$root/target/release/alpr"
"$alpr" bench accuracy --crops "$ALPR_SHARED_DATA/us-plate-crops" \
    --scenes "$ALPR_SHARED_DATA/us-scenes-dev" > images/models/accuracy.json
echo "weights and accuracy written to images/models/"
