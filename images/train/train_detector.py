"""Trains the plate detector (a centre heat map with box size and offset, at 1/8 of the input)
and exports it.

    python train_detector.py --synthetic-scenes DIR --out ../models/detector.onnx

The appliance scales a frame to fit 640 x 384 (letterboxed, top left) and runs the detector on
it. Training uses 256 x 256 windows of the training scenes at random scales, real plate crops
(training split) pasted into them, and synthetic street scenes; the held-out scenes are only
measured.
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import jax
import jax.numpy as jnp
import numpy as np
import optax
from PIL import Image, ImageFilter

import data as D
import nets as N

IN_W, IN_H, STRIDE = 640, 384, 8
WIN = 256


def detector_net(arch="committed"):
    """"committed": the detector committed since 2026-12-06. "lite": without the second
    convolution at 1/8 (the head takes the third's features) and with a 1x1 convolution before
    the head instead of a 3x3: about 30% fewer multiply-adds a frame. "patch": the committed
    one with its first two convolutions replaced by one 4 x 4 convolution of stride 4."""
    lite = arch == "lite"
    if arch == "patch":
        # The frame cut into 4 x 4 patches, each read by one convolution: tract 0.21 ran the
        # committed d1 (three planes in, eight channels out, at full size) slowly, a third of
        # the detector's time for 6% of its work; tract 0.23 runs it well enough that this
        # saves about 1 ms a frame (images/BENCHMARKS.md).
        net = [N.conv("p1", "input", 3, 16, k=4, stride=4, pad=(0, 0))]
        first = "p1"
    else:
        net = [N.conv("d1", "input", 3, 8, stride=2), N.conv("d2", "d1", 8, 16, stride=2)]
        first = "d2"
    net.append(N.conv("d3", first, 16, 32, stride=2))
    fine = "d3" if lite else "d4"
    if not lite:
        net.append(N.conv("d4", "d3", 32, 32))
    net += [
        N.conv("d5", fine, 32, 64, stride=2),
        N.conv("d6", "d5", 64, 64),
        N.conv("d7", "d6", 64, 64, dilation=2),
        N.upsample("up", "d7"),
        N.concat("cat", "up", fine),
        N.conv("h1", "cat", 96, 32, k=1),
        N.conv("h2", "h1", 32, 32, k=1 if lite else 3),
        N.conv("head", "h2", 32, 5, k=1, bn=False, act=None),
    ]
    return net


DETECTORS = ("committed", "lite", "patch")


def fit_scale(w, h):
    # Never enlarged: a small image is usually a close-up (as in the appliance).
    return min(IN_W / w, IN_H / h, 1.0)


def train_scale(w, h):
    # Training windows centre their random scales on the image fitted to the input, enlarged or
    # not (the committed weights were trained so).
    return min(IN_W / w, IN_H / h)


def paste_plate(canvas, boxes, plate_img, rng):
    """Pastes a real plate crop into the window, as a camera would see it, and records its box."""
    cw, ch = canvas.size
    pw = int(rng.uniform(22, 120))
    ph = max(8, int(pw * plate_img.size[1] / plate_img.size[0] * rng.uniform(0.85, 1.15)))
    if pw >= cw - 4 or ph >= ch - 4:
        return
    p = plate_img.resize((pw, ph), Image.BILINEAR)
    if rng.random() < 0.3:
        p = p.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    a = np.asarray(p, np.float32) * rng.uniform(0.5, 1.1) + rng.uniform(-30, 20)
    p = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    x, y = int(rng.uniform(0, cw - pw)), int(rng.uniform(0, ch - ph))
    canvas.paste(p, (x, y))
    boxes.append((x, y, pw, ph))


def window_sample(img, boxes, rng, plates):
    """One 256 x 256 training window from a scene and the plate boxes in it."""
    w, h = img.size
    s = train_scale(w, h) * np.exp(rng.uniform(np.log(0.6), np.log(1.7)))
    sw, sh = max(WIN, int(w * s)), max(WIN, int(h * s))
    sx, sy = sw / w, sh / h
    img = img.resize((sw, sh), Image.BILINEAR)
    bx = [(x * sx, y * sy, bw * sx, bh * sy) for x, y, bw, bh in boxes]
    if bx and rng.random() < 0.75:
        x, y, bw, bh = bx[rng.integers(len(bx))]
        cx = x + bw / 2 + rng.uniform(-WIN / 2 + bw / 2 + 4, WIN / 2 - bw / 2 - 4) if bw < WIN - 8 else x + bw / 2
        # A plate taller than the window (a close-up scaled up) is centred: no room to move it.
        cy = y + bh / 2 + rng.uniform(-WIN / 2 + bh / 2 + 4, WIN / 2 - bh / 2 - 4) if bh <= WIN - 8 else y + bh / 2
        ox, oy = int(np.clip(cx - WIN / 2, 0, sw - WIN)), int(np.clip(cy - WIN / 2, 0, sh - WIN))
    else:
        ox, oy = int(rng.uniform(0, sw - WIN + 1)), int(rng.uniform(0, sh - WIN + 1))
    win = img.crop((ox, oy, ox + WIN, oy + WIN))
    out = []
    for x, y, bw, bh in bx:
        x0, y0 = x - ox, y - oy
        # Keep plates mostly inside; ones cut by the edge are left out of both lists.
        vis_w = min(x0 + bw, WIN) - max(x0, 0)
        vis_h = min(y0 + bh, WIN) - max(y0, 0)
        if vis_w > 0.8 * bw and vis_h > 0.8 * bh:
            out.append((x0, y0, bw, bh))
    if plates and rng.random() < 0.5:
        for _ in range(int(rng.integers(1, 3))):
            paste_plate(win, out, plates[rng.integers(len(plates))], rng)
    if rng.random() < 0.5:
        win = win.transpose(Image.FLIP_LEFT_RIGHT)
        out = [(WIN - x - bw, y, bw, bh) for x, y, bw, bh in out]
    a = np.asarray(win, np.float32)
    a = a * rng.uniform(0.6, 1.3) + rng.uniform(-30, 30)
    a = a * rng.uniform(0.9, 1.1, size=3)
    a = a + rng.normal(0, rng.uniform(0, 6), a.shape)
    return np.clip(a, 0, 255).astype(np.uint8), out


def targets(boxes, gw, gh):
    """Centre heat map, offsets, log sizes and the mask of cells that carry a box."""
    t = np.zeros((gh, gw, 5), np.float32)
    mask = np.zeros((gh, gw), np.float32)
    ys, xs = np.mgrid[0:gh, 0:gw]
    for x, y, bw, bh in boxes:
        cx, cy = (x + bw / 2) / STRIDE, (y + bh / 2) / STRIDE
        ix, iy = int(cx), int(cy)
        if not (0 <= ix < gw and 0 <= iy < gh):
            continue
        sig_x = max(0.6, bw / STRIDE / 6)
        sig_y = max(0.6, bh / STRIDE / 6)
        g = np.exp(-((xs - ix) ** 2) / (2 * sig_x ** 2) - ((ys - iy) ** 2) / (2 * sig_y ** 2))
        t[..., 0] = np.maximum(t[..., 0], g)
        t[iy, ix, 1:] = [cx - ix, cy - iy, np.log(bw / STRIDE), np.log(bh / STRIDE)]
        mask[iy, ix] = 1
    return t, mask


def make_windows(args):
    scene_items, crop_paths, seed, n = args
    rng = np.random.default_rng(seed)
    plates = [D.load_rgb(p) for p in crop_paths]
    cache = {}
    xs, ts, ms = [], [], []
    for _ in range(n):
        path, boxes = scene_items[rng.integers(len(scene_items))]
        if path not in cache:
            cache[path] = D.load_rgb(path)
        a, b = window_sample(cache[path], boxes, rng, plates)
        t, m = targets(b, WIN // STRIDE, WIN // STRIDE)
        xs.append(a)
        ts.append(t)
        ms.append(m)
    return np.stack(xs), np.stack(ts), np.stack(ms)


def letterbox(img):
    w, h = img.size
    s = fit_scale(w, h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    canvas = np.zeros((IN_H, IN_W, 3), np.uint8)
    canvas[:nh, :nw] = np.asarray(img.resize((nw, nh), Image.BILINEAR))
    return canvas, s


def decode(o, s, thresh=0.3, k=5):
    """Boxes (x, y, w, h, score) in the original image from one output map (H, W, 5)."""
    heat = 1 / (1 + np.exp(-o[..., 0]))
    pad = np.pad(heat, 1, constant_values=0)
    peaks = np.ones_like(heat, bool)
    for dy in range(3):
        for dx in range(3):
            peaks &= heat >= pad[dy:dy + heat.shape[0], dx:dx + heat.shape[1]]
    ys, xs = np.nonzero(peaks & (heat > thresh))
    order = np.argsort(-heat[ys, xs])[:k]
    out = []
    for i in order:
        y, x = ys[i], xs[i]
        cx, cy = (x + o[y, x, 1]) * STRIDE, (y + o[y, x, 2]) * STRIDE
        bw, bh = np.exp(o[y, x, 3]) * STRIDE, np.exp(o[y, x, 4]) * STRIDE
        out.append(((cx - bw / 2) / s, (cy - bh / 2) / s, bw / s, bh / s, float(heat[y, x])))
    return out


def iou(a, b):
    ax, ay, aw, ah = a[:4]
    bx, by, bw, bh = b[:4]
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    return inter / (aw * ah + bw * bh - inter)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic-scenes", action="append", default=[])
    ap.add_argument("--windows", type=int, default=12000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--report")
    ap.add_argument("--arch", choices=DETECTORS, default="committed",
                    help="the detector's network (detector_net)")
    a = ap.parse_args()

    train = [(p, [b[:4] for b in bx]) for p, bx in D.scenes()
             if not D.is_holdout_scene(os.path.basename(p))]
    hold = [(p, bx) for p, bx in D.scenes() if D.is_holdout_scene(os.path.basename(p))]
    for d in a.synthetic_scenes:
        for name in sorted(os.listdir(d)):
            if name.endswith(".txt"):
                bx = []
                for line in open(os.path.join(d, name)):
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) >= 5:
                        bx.append(tuple(map(int, parts[1:5])))
                train.append((os.path.join(d, name[:-4] + ".jpg"), bx))
    crop_paths = [p for p, _, _ in D.crops() if not D.is_val_crop(os.path.basename(p))]

    t0 = time.time()
    per = 400
    jobs = [(train, crop_paths, a.seed * 7919 + i, per) for i in range(a.windows // per)]
    with ProcessPoolExecutor(2) as ex:
        parts = list(ex.map(make_windows, jobs))
    x = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    m = np.concatenate([p[2] for p in parts])
    print(f"detector: {len(train)} training scenes, {len(x)} windows ({time.time() - t0:.0f} s)",
          flush=True)

    net = detector_net(a.arch)
    params, state = N.init(net, a.seed)
    # Start the heat map near "no plate" so early gradients are not swamped by negatives.
    params["head"]["b"] = params["head"]["b"].at[0].set(-2.2)
    steps = a.epochs * (len(x) // a.batch)
    sched = optax.warmup_cosine_decay_schedule(0.0, a.lr, min(300, steps // 10), steps, a.lr / 50)
    opt = optax.adamw(sched, weight_decay=1e-4)
    opt_state = opt.init(params)

    def loss_fn(p, s, xb, tb, mb):
        (o,), ns = N.forward(net, p, s, xb, True, ["head"])
        heat = jax.nn.sigmoid(o[..., 0]).clip(1e-4, 1 - 1e-4)
        gt = tb[..., 0]
        pos = (gt > 0.99).astype(jnp.float32)
        focal = -(pos * (1 - heat) ** 2 * jnp.log(heat)
                  + (1 - pos) * (1 - gt) ** 4 * heat ** 2 * jnp.log(1 - heat))
        npos = jnp.maximum(pos.sum(), 1.0)
        reg = (jnp.abs(o[..., 1:5] - tb[..., 1:5]).sum(-1) * mb).sum() / jnp.maximum(mb.sum(), 1.0)
        return focal.sum() / npos + reg, ns

    @jax.jit
    def step(p, s, o, xb, tb, mb):
        (loss, ns), g = jax.value_and_grad(loss_fn, has_aux=True)(p, s, xb, tb, mb)
        u, o = opt.update(g, o, p)
        return optax.apply_updates(p, u), ns, o, loss

    @jax.jit
    def infer(p, s, xb):
        (o,), _ = N.forward(net, p, s, xb, False, ["head"])
        return o

    def normalise(v):
        return (v.astype(np.float32) - 127.5) / 64.0

    def evaluate(items):
        found = best_iou_sum = fps = 0
        for path, boxes in items:
            img = D.load_rgb(path)
            canvas, s = letterbox(img)
            o = np.asarray(infer(params, state, jnp.asarray(normalise(canvas[None]))))[0]
            dets = decode(o, s)
            for b in boxes:
                best = max((iou(b, d) for d in dets), default=0)
                found += best >= 0.4
                best_iou_sum += best
            fps += sum(1 for d in dets if max(iou(b, d) for b in boxes) < 0.4)
        n = sum(len(b) for _, b in items)
        return {"plates": n, "recall": found / n, "mean_iou": best_iou_sum / n,
                "false_positives": fps}

    hold_eval = [(p, [b[:4] for b in bx]) for p, bx in hold]
    train_real = [i for i in train if "us-scenes-dev" in i[0]]
    rng = np.random.default_rng(a.seed)
    t0 = time.time()
    for epoch in range(a.epochs):
        order = rng.permutation(len(x))
        losses = []
        for i in range(0, len(x) - a.batch + 1, a.batch):
            idx = order[i:i + a.batch]
            params, state, opt_state, loss = step(
                params, state, opt_state, jnp.asarray(normalise(x[idx])), jnp.asarray(t[idx]),
                jnp.asarray(m[idx]))
            losses.append(float(loss))
        res = {"scenes-holdout": evaluate(hold_eval), "scenes-train": evaluate(train_real)}
        print(f"epoch {epoch + 1}/{a.epochs} loss {np.mean(losses):.4f} {res} "
              f"({time.time() - t0:.0f} s)", flush=True)

    N.to_onnx(net, params, state, [1, 3, IN_H, IN_W], ["head"], a.out,
              "alpr-images detector; input [1,3,384,640] NCHW RGB letterboxed top-left, "
              "(pixel - 127.5) / 64; output [1,5,48,80]: heat logit, dx, dy, log w/8, log h/8")
    if a.report:
        with open(a.report, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
