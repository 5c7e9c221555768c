#!/usr/bin/env bash
# Reproduces the committed recogniser weights in images/models/ on a CPU (2 cores: about an
# hour): renders synthetic streets with `alpr render`, trains the reader, the state model and the
# detector on the training splits of ../shared/data (and the detector on the streets too), then
# records the accuracy the CI test holds the weights to.
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

cd "$root"
cargo build --release --locked --bin alpr
alpr="$root/target/release/alpr"
[ -d "$work/scenes" ] || "$alpr" render scenes --count 400 --seed 2 --out "$work/scenes"

cd "$here"
"$py" splits.py
# The reader and the state model train on the real crops' training split (and, for the reader,
# the training scenes' plates), heavily augmented; the detector also on the rendered streets,
# whose signs and clutter teach it what is not a plate.
"$py" train_reader.py reader --epochs 6 --copies 24 --seed 1 \
    --out ../models/reader.onnx --report "$work/reader.json"
"$py" train_reader.py state --epochs 8 --copies 24 --seed 1 \
    --out ../models/state.onnx --report "$work/state.json"
"$py" train_detector.py --synthetic-scenes "$work/scenes" --windows 8000 --epochs 6 --seed 1 \
    --out ../models/detector.onnx --report "$work/detector.json"

# The figures the committed weights must keep (images/tests/recognize_accuracy.rs).
cd "$root"
cargo build --release --locked --bin alpr
"$alpr" bench accuracy --crops "$ALPR_SHARED_DATA/us-plate-crops" \
    --scenes "$ALPR_SHARED_DATA/us-scenes-dev" > images/models/accuracy.json
echo "weights and accuracy written to images/models/"
