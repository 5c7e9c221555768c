"""Trains the plate reader (characters, CTC) or the state-of-issue classifier, and exports it.

    python train_reader.py reader --synthetic DIR --out ../models/reader.onnx
    python train_reader.py state  --synthetic DIR --out ../models/state.onnx

Trains on the training split of the real crops, the plates of the training scenes and the
synthetic plates; reports accuracy on the crops' validation split and the held-out scenes.
With --synthetic-only it trains on the rendered plates alone and reports on every real plate.
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

import data as D
import nets as N

NUM_CLASSES = len(D.CHARSET) + 1  # CTC blank is class 0


def reader_net(channels=(16, 32, 64, 64, 96, 96, 160), context=0, height=32):
    """Convolutions down to one row of 32 columns, then `context` 1x5 convolutions across the
    columns (each adds about a character either side to what a column sees, as a recurrent head
    would), then the classes of each column. The input is `height` rows (a multiple of 8): the
    last convolution spans the eighth of it that is left."""
    c1, c2, c3, c4, c5, c6, c7 = channels
    net = [
        N.conv("c1", "input", 1, c1, stride=2), N.conv("c2", "c1", c1, c2),
        N.maxpool("p2", "c2", 2),
        N.conv("c3", "p2", c2, c3), N.conv("c4", "c3", c3, c4), N.maxpool("p3", "c4", (2, 1)),
        N.conv("c5", "p3", c4, c5), N.conv("c6", "c5", c5, c6),
        N.conv("c7", "c6", c6, c7, k=(height // 8, 1), pad=(0, 0)),
    ]
    last = "c7"
    for i in range(context):
        net.append(N.conv(f"x{i + 1}", last, c7, c7, k=(1, 5)))
        last = f"x{i + 1}"
    net.append(N.conv("logits", last, c7, NUM_CLASSES, k=1, bn=False, act=None))
    return net


# "small": the reader committed until 2026-12-06; "wide": the one committed since; "lean": the
# small one's channels with the wide one's context, about half the wide one's work a read.
READERS = {
    "small": {},
    "wide": {"channels": (32, 48, 96, 96, 128, 128, 192), "context": 2},
    "lean": {"context": 2},
}


def state_net():
    return [
        N.conv("c1", "input", 3, 16, stride=2), N.conv("c2", "c1", 16, 32),
        N.maxpool("p2", "c2", 2),
        N.conv("c3", "p2", 32, 64), N.maxpool("p3", "c3", 2),
        N.conv("c4", "p3", 64, 96), N.conv("c5", "c4", 96, 128),
        N.global_pool("g", "c5"),
        N.conv("fc", "g", 128, 128, k=1, bn=False),
        N.conv("logits", "fc", 128, len(D.STATES), k=1, bn=False, act=None),
    ]


def sources(kind, synthetic_dirs, synthetic_scene_dirs=(), two_row_as_rows=False, min_label=1):
    """(loader, state, plate) of every training plate, real first. With `two_row_as_rows`, a
    rendered two-row plate is learned row by row (each row's box and text) instead of whole: the
    reader reads one row left to right, so a whole two-row plate is a target it cannot reach.
    The reader skips crops labelled with fewer than `min_label` characters: five crops are
    labelled `0` for a row of zeros (images/BENCHMARKS.md)."""
    out = []
    for path, state, plate in D.crops():
        if kind == "reader" and len(plate) < min_label:
            print(f"skipping {os.path.basename(path)}: label {plate!r} is shorter than "
                  f"{min_label} characters", flush=True)
            continue
        if not D.is_val_crop(os.path.basename(path)):
            out.append((("file", path), state, plate, "real"))
    if kind == "reader":
        for path, boxes in D.scenes():
            if D.is_holdout_scene(os.path.basename(path)):
                continue
            for b in boxes:
                out.append((("scene", path, b), None, b[4], "real"))
    for d in synthetic_dirs:
        rows = D.two_row_plates(d) if two_row_as_rows and kind == "reader" else {}
        for path, state, plate in D.synthetic(d):
            src = ("rows", path, rows[path]) if path in rows else ("file", path)
            out.append((src, state, plate, "synthetic"))
    if kind == "reader":
        # Plates as small and blurred as a street frame makes them: already camera-like, so
        # augmented without a further low-resolution copy.
        for d in synthetic_scene_dirs:
            for path, boxes in D.scenes(d):
                for b in boxes:
                    out.append((("street", path, b), None, b[4], "synthetic"))
    return out


def load(src, context):
    """The plate image, and where the plate lies in it when it shows `context` of the plate's
    size around it (scenes only; `None` when the image is all plate)."""
    if src[0] in ("file", "rows"):
        return D.load_rgb(src[1]), None
    if src[0] == "street":
        return D.scene_plate_in_context(src[1], src[2], 0.5)
    if context > 0:
        return D.scene_plate_in_context(src[1], src[2], context)
    return D.scene_plate(src[1], src[2]), None


def make_samples(args):
    kind, items, seed, copies, scene_copies, context, reader_h = args
    rng = np.random.default_rng(seed)
    # Rows draw from their own stream, so every other plate's samples stay what they were.
    rows_rng = np.random.default_rng(seed + 1_000_000_007)
    xs, ys = [], []
    for src, state, plate in items:
        img, inner = load(src, context)
        for _ in range(scene_copies if src[0] == "scene" else copies):
            if src[0] == "rows":
                D.augment(img, rng, D.READER_W, reader_h)  # the whole plate's draws, unused
                for text, box in src[2]:
                    a = D.augment(img, rows_rng, D.READER_W, reader_h, inner=box)
                    xs.append(D.to_gray(a)[..., None])
                    ys.append(text)
            elif kind == "reader":
                a = D.augment(img, rng, D.READER_W, reader_h, inner=inner,
                              small=src[0] != "street")
                xs.append(D.to_gray(a)[..., None])
                ys.append(plate)
            else:
                a = D.augment(img, rng, D.STATE_W, D.STATE_H, jitter=0.04)
                xs.append(a)
                ys.append(D.STATES.index(state))
    return np.stack(xs), ys


def build_pool(kind, items, copies, seed, scene_copies=None, context=0.0, workers=2,
               reader_h=D.READER_H):
    chunks = [items[i:i + 64] for i in range(0, len(items), 64)]
    scene_copies = copies if scene_copies is None else scene_copies
    jobs = [(kind, [(s, st, p) for s, st, p, _ in c], seed * 100003 + i, copies, scene_copies,
             context, reader_h) for i, c in enumerate(chunks)]
    xs, ys = [], []
    with ProcessPoolExecutor(workers) as ex:
        for x, y in ex.map(make_samples, jobs):
            xs.append(x)
            ys += y
    return np.concatenate(xs), ys


def eval_images(kind, every=False):
    """The crops' validation split and the held-out scenes' plates, unaugmented; with `every`,
    all the real crops and scene plates (for a network trained on none of them)."""
    crops, scenes = ("crops-all", "scenes-all") if every else ("crops-val", "scenes-holdout")
    sets = {crops: [], scenes: []}
    for path, state, plate in D.crops():
        if every or D.is_val_crop(os.path.basename(path)):
            sets[crops].append((D.load_rgb(path), state, plate))
    if kind == "reader":
        for path, boxes in D.scenes():
            if every or D.is_holdout_scene(os.path.basename(path)):
                for b in boxes:
                    sets[scenes].append((D.scene_plate(path, b), None, b[4]))
    return {k: v for k, v in sets.items() if v}


def prep(kind, img, reader_h=D.READER_H):
    if kind == "reader":
        a = np.asarray(img.resize((D.READER_W, reader_h), D.Image.BILINEAR), np.float32)
        return D.to_gray(a)[..., None]
    return np.asarray(img.resize((D.STATE_W, D.STATE_H), D.Image.BILINEAR), np.uint8)


def greedy(logits):
    best = logits.argmax(-1)
    out = []
    for row in best:
        s, prev = [], 0
        for k in row:
            if k != prev and k != 0:
                s.append(D.CHARSET[k - 1])
            prev = k
        out.append("".join(s))
    return out


def labels(ys, max_len=12):
    y = np.zeros((len(ys), max_len), np.int32)
    pad = np.ones((len(ys), max_len), np.float32)
    for i, t in enumerate(ys):
        e = D.encode_text(t)[:max_len]
        y[i, :len(e)] = e
        pad[i, :len(e)] = 0
    return y, pad


def brief(res):
    """The figures of an evaluation without its lists of errors, for a log line."""
    return {k: {m: v for m, v in r.items() if m != "errors"} for k, r in res.items()}


def normalise(x):
    return (x.astype(np.float32) - 127.5) / 64.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["reader", "state"])
    ap.add_argument("--synthetic", action="append", default=[])
    ap.add_argument("--copies", type=int, default=24, help="augmented samples per real plate")
    ap.add_argument("--synthetic-copies", type=int, default=1)
    ap.add_argument("--synthetic-scenes", action="append", default=[],
                    help="street frames from `alpr render scenes`: their plates as the frame "
                         "shows them (reader only)")
    ap.add_argument("--scene-copies", type=int,
                    help="augmented samples per training scene plate (default: --copies)")
    ap.add_argument("--scene-context", type=float, default=0.0,
                    help="cut scene plates with this share of their size around them, so a loose "
                         "box shows the real bumper and frame (0: the labelled box, flat fill)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--arch", choices=sorted(READERS), default="wide",
                    help="the reader's network (READERS)")
    ap.add_argument("--synthetic-only", action="store_true",
                    help="train on the rendered plates alone and measure on every real plate: "
                         "how well the renderer's plates teach the reader real ones")
    ap.add_argument("--min-label", type=int, default=1,
                    help="reader: leave out crops labelled with fewer characters than this (2 "
                         "leaves out the five labelled 0; the committed reader kept them)")
    ap.add_argument("--height", type=int, default=D.READER_H,
                    help="reader: rows of its input, a multiple of 8 (the committed reader: 32; "
                         "the appliance reads the height from the weights)")
    ap.add_argument("--two-row-as-rows", action="store_true",
                    help="learn rendered two-row plates row by row instead of whole (reader)")
    ap.add_argument("--rows-eval",
                    help="also measure reading the rows of the two-row plates in this directory "
                         "of rendered plates (`alpr render plates`), each row in its box")
    ap.add_argument("--out", required=True)
    ap.add_argument("--report", help="write the accuracy figures here (JSON)")
    ap.add_argument("--init", help="start from parameters saved by --save (fine-tuning)")
    ap.add_argument("--save", help="save the trained parameters here (.npz) for --init")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="also keep an exponential average of the weights with this decay per "
                         "step (e.g. 0.999), report it beside the last weights, and export it")
    a = ap.parse_args()

    kind = a.kind
    if kind == "reader":
        if a.height % 8 or a.height < 8:
            sys.exit(f"--height {a.height}: the reader's input must be a multiple of 8 rows")
        net = reader_net(**READERS[a.arch], height=a.height)
    else:
        net = state_net()
    items = sources(kind, a.synthetic, a.synthetic_scenes, a.two_row_as_rows, a.min_label)
    real = [] if a.synthetic_only else [i for i in items if i[3] == "real"]
    synth = [i for i in items if i[3] == "synthetic"]
    if not real and not synth:
        sys.exit("nothing to train on: --synthetic-only needs --synthetic DIR")
    t0 = time.time()
    pools = []
    if real:
        pools.append(build_pool(kind, real, a.copies, a.seed, a.scene_copies, a.scene_context,
                                reader_h=a.height))
    if synth:
        pools.append(build_pool(kind, synth, a.synthetic_copies, a.seed + 7, reader_h=a.height))
    x = np.concatenate([p[0] for p in pools])
    y = sum((p[1] for p in pools), [])
    print(f"{kind}: {len(real)} real plates, {len(synth)} synthetic, {len(x)} samples "
          f"({time.time() - t0:.0f} s)", flush=True)

    params, state = N.init(net, a.seed)
    if a.init:
        print(f"{kind}: {N.load(a.init, params, state)} tensors from {a.init}", flush=True)
    steps = a.epochs * (len(x) // a.batch)
    sched = optax.warmup_cosine_decay_schedule(0.0, a.lr, min(500, steps // 10), steps, a.lr / 50)
    opt = optax.adamw(sched, weight_decay=1e-4)
    opt_state = opt.init(params)

    def loss_fn(p, s, xb, yb, ypad):
        (o,), ns = N.forward(net, p, s, xb, True, ["logits"])
        if kind == "reader":
            lg = o[:, 0]
            loss = optax.ctc_loss(lg, jnp.zeros(lg.shape[:2]), yb, ypad).mean()
        else:
            lg = o[:, 0, 0]
            loss = optax.softmax_cross_entropy_with_integer_labels(lg, yb).mean()
        return loss, ns

    @jax.jit
    def step(p, s, o, xb, yb, ypad):
        (loss, ns), g = jax.value_and_grad(loss_fn, has_aux=True)(p, s, xb, yb, ypad)
        u, o = opt.update(g, o, p)
        return optax.apply_updates(p, u), ns, o, loss

    @jax.jit
    def infer(p, s, xb):
        (o,), _ = N.forward(net, p, s, xb, False, ["logits"])
        return o

    @jax.jit
    def average(avg, p):
        return jax.tree_util.tree_map(lambda m, v: a.ema * m + (1 - a.ema) * v, avg, p)

    @jax.jit
    def bn_pass(p, s, xb):
        _, ns = N.forward(net, p, s, xb, True, ["logits"])
        return ns

    def recalibrate(p, s, batches=200):
        """Batch-norm statistics for averaged weights: the running ones belong to the last
        weights, not to the average."""
        for _ in range(batches):
            idx = rng.integers(0, n, a.batch)
            s = bn_pass(p, s, jnp.asarray(normalise(x[idx])))
        return s

    evals = eval_images(kind, every=a.synthetic_only)
    if a.rows_eval and kind == "reader":
        evals["rendered-rows"] = [
            (D.load_rgb(path).crop((round(x), round(y), round(x + w), round(y + h))), None, text)
            for path, rows in sorted(D.two_row_plates(a.rows_eval).items())
            for text, (x, y, w, h) in rows]

    def evaluate(params, state):
        res = {}
        for name, rows in evals.items():
            xb = normalise(np.stack([prep(kind, img, a.height) for img, _, _ in rows]))
            o = np.asarray(infer(params, state, jnp.asarray(xb)))
            if kind == "reader":
                got = greedy(o[:, 0])
                ok = sum(g == t for g, (_, _, t) in zip(got, rows))
                ok0 = sum(g.replace("O", "0") == t.replace("O", "0") for g, (_, _, t) in zip(got, rows))
                res[name] = {"n": len(rows), "exact": ok / len(rows), "exact_o0": ok0 / len(rows)}
                res[name]["errors"] = [(t, g) for g, (_, _, t) in zip(got, rows) if g != t][:40]
            else:
                got = o[:, 0, 0].argmax(-1)
                ok = sum(D.STATES[g] == st for g, (_, st, _) in zip(got, rows))
                res[name] = {"n": len(rows), "state": ok / len(rows)}
        return res

    rng = np.random.default_rng(a.seed)
    n = len(x)
    ema = params if a.ema else None
    t0 = time.time()
    for epoch in range(a.epochs):
        order = rng.permutation(n)
        losses = []
        for i in range(0, n - a.batch + 1, a.batch):
            idx = order[i:i + a.batch]
            xb = normalise(x[idx])
            if kind == "reader":
                yb, ypad = labels([y[j] for j in idx])
            else:
                yb, ypad = np.array([y[j] for j in idx], np.int32), np.zeros(1)
            params, state, opt_state, loss = step(params, state, opt_state, jnp.asarray(xb),
                                                  jnp.asarray(yb), jnp.asarray(ypad))
            if ema is not None:
                ema = average(ema, params)
            losses.append(float(loss))
        res = evaluate(params, state)
        print(f"epoch {epoch + 1}/{a.epochs} loss {np.mean(losses):.4f} {brief(res)} "
              f"({time.time() - t0:.0f} s)", flush=True)

    shape = [1, 1, a.height, D.READER_W] if kind == "reader" else [1, 3, D.STATE_H, D.STATE_W]
    doc = f"alpr-images {kind}; input {shape} NCHW, (pixel - 127.5) / 64"
    if ema is not None:
        # The last weights too, to compare the two end to end on the same run.
        stem, ext = os.path.splitext(a.out)
        N.to_onnx(net, params, state, shape, ["logits"], f"{stem}-last{ext or '.onnx'}", doc)
        last = res
        state = recalibrate(ema, state)
        params = ema
        res = {"ema": evaluate(params, state), "last": last}
        print(f"averaged weights (decay {a.ema}): {brief(res['ema'])}, "
              f"the last: {brief(last)}", flush=True)

    N.to_onnx(net, params, state, shape, ["logits"], a.out, doc)
    if a.save:
        N.save(a.save, params, state)
    if a.report:
        with open(a.report, "w") as f:
            json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1)[:3000])


if __name__ == "__main__":
    sys.exit(main())
