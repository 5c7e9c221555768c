#!/usr/bin/env bash
# Reproduces the committed recogniser weights in images/models/ on a CPU (2 cores: about an
# hour): renders synthetic plates and streets with `alpr render`, trains the reader, the state
# model and the detector on them and on the training splits of ../shared/data, then records the
# accuracy the CI test holds the weights to.
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
[ -f "$work/plates/labels.csv" ] || "$alpr" render plates --count 20000 --seed 1 --out "$work/plates"
[ -d "$work/scenes" ] || "$alpr" render scenes --count 600 --seed 2 --out "$work/scenes"

cd "$here"
"$py" splits.py
"$py" train_reader.py reader --synthetic "$work/plates" --epochs 10 --seed 1 \
    --out ../models/reader.onnx --report "$work/reader.json"
"$py" train_reader.py state --synthetic "$work/plates" --epochs 8 --seed 1 \
    --out ../models/state.onnx --report "$work/state.json"
"$py" train_detector.py --synthetic-scenes "$work/scenes" --epochs 8 --seed 1 \
    --out ../models/detector.onnx --report "$work/detector.json"

# The figures the committed weights must keep (images/tests/accuracy.rs).
cd "$root"
cargo build --release --locked --bin alpr
"$alpr" bench accuracy --crops "$ALPR_SHARED_DATA/us-plate-crops" \
    --scenes "$ALPR_SHARED_DATA/us-scenes-dev" > images/models/accuracy.json
echo "weights and accuracy written to images/models/"
