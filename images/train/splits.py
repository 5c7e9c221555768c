"""Writes which real images are validation / held out (names only), so the Rust evaluation uses
exactly the training scripts' splits: ../models/splits.json, or the file named on the command
line (cross-validation's other held-out quarters, `ALPR_HOLDOUT_FOLD`)."""

import json
import os
import sys

import data as D

crops = sorted(os.path.basename(p) for p, _, _ in D.crops() if D.is_val_crop(os.path.basename(p)))
scenes = sorted(os.path.basename(p) for p, _ in D.scenes() if D.is_holdout_scene(os.path.basename(p)))
here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "models", "splits.json")
with open(out, "w") as f:
    json.dump({"crops_validation": crops, "scenes_holdout": scenes}, f, indent=1)
    f.write("\n")
print(f"{len(crops)} validation crops, {len(scenes)} held-out scenes")
