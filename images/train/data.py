"""The real images in ../shared/data (never copied into the repository), their fixed splits, and
the augmentations that turn a plate into many camera-like samples.

Splits are by a hash of the file name, so they never change as code changes:
- plate crops: one in five is validation (never trained on);
- dev scenes: one in four is held out (never trained on, never tuned on).
"""

import csv
import hashlib
import io
import json
import os
import random

import numpy as np
from PIL import Image, ImageFilter, ImageOps

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STATES = ["ak", "al", "ar", "az", "ca", "co", "ct", "dc", "de", "fl", "ga", "hi", "ia", "id",
          "il", "in", "ks", "ky", "la", "ma", "md", "me", "mi", "mn", "mo", "ms", "mt", "nc",
          "nd", "ne", "nh", "nj", "nm", "nv", "ny", "oh", "ok", "or", "pa", "ri", "sc", "sd",
          "tn", "tx", "ut", "va", "vt", "wa", "wi", "wv", "wy"]

# What the reader sees: a plate, grey, 32 x 128. What the state model sees: colour, 48 x 96.
READER_H, READER_W = 32, 128
STATE_H, STATE_W = 48, 96


def shared_data():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.environ.get("ALPR_SHARED_DATA", os.path.join(here, "..", "..", "..", "shared", "data"))
    return os.path.abspath(root)


def bucket(name, n):
    return int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) % n


def is_val_crop(file):
    return bucket(file, 5) == 0


def is_holdout_scene(file):
    """One scene in four is held out: the quarter `ALPR_HOLDOUT_FOLD` names (0 to 3; 0, the
    committed split, by default). The other quarters are for cross-validation runs."""
    return bucket(file, 4) == int(os.environ.get("ALPR_HOLDOUT_FOLD", "0"))


def crops():
    """(path, state, plate) for every labelled crop."""
    d = os.path.join(shared_data(), "us-plate-crops")
    out = []
    with open(os.path.join(d, "labels.csv")) as f:
        for row in csv.DictReader(f):
            out.append((os.path.join(d, row["file"]), row["state"].lower(), row["plate"].upper()))
    return out


def scenes(d=None):
    """(path, [(x, y, w, h, plate)]) for every dev scene, or for every street frame in `d`
    (`alpr render scenes` writes the same layout)."""
    d = d or os.path.join(shared_data(), "us-scenes-dev")
    out = []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".txt"):
            continue
        boxes, image = [], None
        for line in open(os.path.join(d, name)):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 6:
                continue
            image = parts[0]
            x, y, w, h = map(int, parts[1:5])
            boxes.append((x, y, w, h, parts[5].upper()))
        if image:
            out.append((os.path.join(d, image), boxes))
    return out


def synthetic(dirpath):
    """(path, state, plate) for plates rendered by `alpr render plates`."""
    out = []
    with open(os.path.join(dirpath, "labels.csv")) as f:
        for row in csv.DictReader(f):
            out.append((os.path.join(dirpath, row["file"]), row["state"].lower(),
                        row["plate"].upper()))
    return out


def two_row_plates(dirpath):
    """{path: [(row text, (x, y, w, h)), top row first]} for the two-row plates among those
    rendered by `alpr render plates` (its `truth.jsonl`). Each row's box spans the plate's width
    and twice the row's character height, about as a one-row plate's box holds its characters."""
    out = {}
    with open(os.path.join(dirpath, "truth.jsonl")) as f:
        for line in f:
            rec = json.loads(line)
            t = rec["truth"]
            if not t.get("two_rows"):
                continue
            chars = t["chars"]
            # The bottom row starts where a character lies left of the one before it.
            split = next((i for i in range(1, len(chars))
                          if chars[i]["box"]["x"] < chars[i - 1]["box"]["x"]), None)
            if split is None:
                continue
            rows = []
            for part in (chars[:split], chars[split:]):
                y0 = min(c["box"]["y"] for c in part)
                y1 = max(c["box"]["y"] + c["box"]["h"] for c in part)
                ch = y1 - y0
                rows.append(("".join(c["ch"] for c in part),
                             (t["box"]["x"], y0 - ch / 2, t["box"]["w"], 2 * ch)))
            out[os.path.join(dirpath, rec["file"])] = rows
    return out


def quad_from_box(w, h, rng, jitter):
    """The corners of a plate box as a detector might give them: shifted, scaled, skewed."""
    dx, dy = jitter * w, jitter * 1.6 * h
    sx = rng.uniform(-dx, dx)
    sy = rng.uniform(-dy, dy)
    grow_x = rng.uniform(-0.6 * dx, 1.2 * dx)
    grow_y = rng.uniform(-0.6 * dy, 1.2 * dy)
    x0, y0, x1, y1 = -grow_x + sx, -grow_y + sy, w + grow_x + sx, h + grow_y + sy
    tilt = rng.uniform(-0.06, 0.06) * h
    skew = rng.uniform(-0.08, 0.08) * h
    pts = [(x0 + skew, y0 - tilt), (x0 - skew, y1 - tilt), (x1 - skew, y1 + tilt),
           (x1 + skew, y0 + tilt)]
    return [c for p in pts for c in p]


def augment(img, rng, out_w, out_h, jitter=0.06, small=True, inner=None):
    """One camera-like sample of a tight plate image, resized to out_w x out_h. With `inner`
    (x, y, w, h), the plate is that box of a larger image, and a loose box shows what really
    surrounds the plate (bumper, frame, emblem) instead of a flat fill."""
    if inner is None:
        w, h = img.size
        quad = quad_from_box(w, h, rng, jitter)
    else:
        ox, oy, w, h = inner
        quad = quad_from_box(w, h, rng, jitter)
        quad = [c + (ox if i % 2 == 0 else oy) for i, c in enumerate(quad)]
    # Camera plates are often small: read a low-resolution copy some of the time.
    if small and rng.random() < 0.6:
        tw = int(rng.uniform(45, 140))
        th = max(8, int(tw * h / w * rng.uniform(0.85, 1.15)))
        img = img.transform((tw, th), Image.QUAD, quad, Image.BILINEAR, fillcolor=rand_fill(rng))
    else:
        img = img.transform((out_w * 2, out_h * 2), Image.QUAD, quad, Image.BILINEAR,
                            fillcolor=rand_fill(rng))
    if rng.random() < 0.3:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    if rng.random() < 0.4:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.uniform(25, 90)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    img = img.resize((out_w, out_h), Image.BILINEAR)
    a = np.asarray(img, np.float32)
    # Exposure, contrast and colour cast of a camera at day and night.
    a = a * rng.uniform(0.6, 1.4) + rng.uniform(-40, 40)
    a = a * rng.uniform(0.85, 1.15, size=3)
    if rng.random() < 0.15:
        a = a.mean(axis=2, keepdims=True).repeat(3, axis=2)
    a = a + rng.normal(0, rng.uniform(0, 8), a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


def rand_fill(rng):
    return tuple(int(v) for v in rng.integers(0, 255, 3))


def load_rgb(path):
    return Image.open(path).convert("RGB")


def scene_plate(path, box, pad=0.0):
    x, y, w, h, _ = box
    img = load_rgb(path)
    return img.crop((x - pad * w, y - pad * h, x + w + pad * w, y + h + pad * h))


def scene_plate_in_context(path, box, pad=0.5):
    """The plate's box with `pad` of its size around it on each side, and where the plate lies
    in that crop: (image, (x, y, w, h))."""
    x, y, w, h, _ = box
    img = load_rgb(path)
    px, py = pad * w, pad * h
    x0, y0 = max(0, int(x - px)), max(0, int(y - py))
    x1, y1 = min(img.width, int(x + w + px + 1)), min(img.height, int(y + h + py + 1))
    return img.crop((x0, y0, x1, y1)), (x - x0, y - y0, w, h)


def to_gray(a):
    return (a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114).astype(np.uint8)


def encode_text(text):
    return [CHARSET.index(c) + 1 for c in text if c in CHARSET]
