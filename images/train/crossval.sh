#!/usr/bin/env bash
# Cross-validates the committed recipe on the real street scenes. The dev scenes are split in
# four quarters by a hash of the file name; the committed weights hold out quarter 0. For each
# other quarter this trains the reader and the detector exactly as train.sh does with that
# quarter held out, then measures them end to end with `alpr bench accuracy --models --splits`.
# The state model learns from the crops alone, so the committed one serves every quarter.
# Quarter 0 is measured on the committed weights, untrained. About 75 minutes a quarter on 2 cores;
# nothing in images/models/ is touched.
#
#   bash images/train/crossval.sh [FOLD...]        (default: 0 1 2 3)
#
# Each quarter's weights, splits and figures stay in $ALPR_TRAIN_WORK/foldN/; the last line is
# the held-out plates read exactly over the quarters run, which images/BENCHMARKS.md reports.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${ALPR_TRAIN_VENV:-$HOME/.cache/alpr-train-venv}"
work="${ALPR_TRAIN_WORK:-$(mktemp -d)}"
work="$(mkdir -p "$work" && cd "$work" && pwd)"
export ALPR_SHARED_DATA="${ALPR_SHARED_DATA:-$root/../shared/data}"
folds=("$@")
[ ${#folds[@]} -gt 0 ] || folds=(0 1 2 3)

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r "$here/requirements.txt"
py="$venv/bin/python"
(cd "$root" && cargo build --release --locked --bin alpr)
alpr="$root/target/release/alpr"
data=(--crops "$ALPR_SHARED_DATA/us-plate-crops" --scenes "$ALPR_SHARED_DATA/us-scenes-dev")

cd "$here"
for fold in "${folds[@]}"; do
    case "$fold" in 0|1|2|3) ;; *) echo "no quarter $fold: the quarters are 0 to 3" >&2; exit 2 ;; esac
    out="$work/fold$fold"
    mkdir -p "$out"
    export ALPR_HOLDOUT_FOLD="$fold"
    "$py" splits.py "$out/splits.json"
    if [ "$fold" != 0 ]; then
        # The same rendered plates as train.sh (seeded one by one), rendered once for all quarters.
        [ -f "$work/plates/labels.csv" ] || \
            "$alpr" render plates --count 40000 --seed 11 --out "$work/plates"
        "$py" train_reader.py reader --arch wide --synthetic "$work/plates" --epochs 8 \
            --copies 24 --seed 1 --out "$out/reader.onnx" --report "$out/reader.json"
        "$py" train_detector.py --windows 16000 --epochs 8 --seed 1 \
            --out "$out/detector.onnx" --report "$out/detector.json"
    fi
    "$alpr" bench accuracy "${data[@]}" --models "$out" --splits "$out/splits.json" \
        > "$out/accuracy.json"
done

# Held-out plates read exactly, per quarter and over all the quarters run.
"$py" - "$work" "${folds[@]}" <<'PY'
import json, sys
work, folds = sys.argv[1], sys.argv[2:]
read = total = 0
for f in folds:
    held = json.load(open(f"{work}/fold{f}/accuracy.json"))["scenes"]["validation"]
    n, r = held["plates"], round(held["exact"] * held["plates"])
    read, total = read + r, total + n
    print(f"quarter {f}: {r} of {n} held-out plates read exactly ({100 * r / n:.1f}%)")
print(f"all quarters run: {read} of {total} held-out plates read exactly ({100 * read / total:.1f}%)")
PY
