"""Small convolutional networks in plain JAX, described once and used twice: by `forward` for
training and by `to_onnx` for the committed model the appliance runs with tract.

A network is a list of nodes; each node reads named tensors and writes one. Layouts are NHWC in
JAX and NCHW in ONNX; batch norm is folded into the convolution on export.
"""

import jax
import jax.numpy as jnp
import numpy as np

BN_EPS = 1e-3


def conv(name, inp, cin, cout, k=3, stride=1, pad=None, dilation=1, bn=True, act="relu"):
    kh, kw = (k, k) if isinstance(k, int) else k
    if pad is None:
        pad = ((kh - 1) // 2 * dilation, (kw - 1) // 2 * dilation)
    return dict(op="conv", name=name, inputs=[inp], cin=cin, cout=cout, k=(kh, kw),
                stride=(stride, stride) if isinstance(stride, int) else stride,
                pad=pad, dilation=dilation, bn=bn, act=act)


def maxpool(name, inp, k):
    kh, kw = (k, k) if isinstance(k, int) else k
    return dict(op="maxpool", name=name, inputs=[inp], k=(kh, kw))


def upsample(name, inp):
    return dict(op="upsample", name=name, inputs=[inp])


def concat(name, *inputs):
    return dict(op="concat", name=name, inputs=list(inputs))


def global_pool(name, inp):
    return dict(op="gap", name=name, inputs=[inp])


def init(net, seed):
    key = jax.random.PRNGKey(seed)
    params, state = {}, {}
    for node in net:
        if node["op"] != "conv":
            continue
        key, sub = jax.random.split(key)
        kh, kw = node["k"]
        fan_in = kh * kw * node["cin"]
        gain = 2.0 if node["act"] == "relu" else 1.0
        w = jax.random.normal(sub, (kh, kw, node["cin"], node["cout"])) * np.sqrt(gain / fan_in)
        p = {"w": w}
        if node["bn"]:
            p["gamma"] = jnp.ones(node["cout"])
            p["beta"] = jnp.zeros(node["cout"])
            state[node["name"]] = {"mean": jnp.zeros(node["cout"]), "var": jnp.ones(node["cout"])}
        else:
            p["b"] = jnp.zeros(node["cout"])
        params[node["name"]] = p
    return params, state


def save(path, params, state):
    """The trained parameters and batch-norm statistics, unfolded, to start a later run from."""
    flat = {f"p/{n}/{k}": np.asarray(v) for n, d in params.items() for k, v in d.items()}
    flat.update({f"s/{n}/{k}": np.asarray(v) for n, d in state.items() for k, v in d.items()})
    np.savez(path, **flat)


def load(path, params, state):
    """Parameters saved by `save`, for the same network; a layer missing or of another shape
    keeps its fresh values (a changed head starts from scratch, the rest is kept)."""
    saved = np.load(path)
    kept = 0
    for prefix, tree in (("p", params), ("s", state)):
        for n, d in tree.items():
            for k, v in d.items():
                key = f"{prefix}/{n}/{k}"
                if key in saved and saved[key].shape == v.shape:
                    d[k] = jnp.asarray(saved[key])
                    kept += 1
    return kept


def forward(net, params, state, x, train, outputs):
    """Runs the net on NHWC `x`; returns the named outputs and the updated batch-norm state."""
    vals = {"input": x}
    new_state = {}
    for node in net:
        ins = [vals[i] for i in node["inputs"]]
        op = node["op"]
        if op == "conv":
            p = params[node["name"]]
            (ph, pw) = node["pad"]
            y = jax.lax.conv_general_dilated(
                ins[0], p["w"], node["stride"], ((ph, ph), (pw, pw)),
                rhs_dilation=(node["dilation"],) * 2,
                dimension_numbers=("NHWC", "HWIO", "NHWC"))
            if node["bn"]:
                s = state[node["name"]]
                if train:
                    mean = y.mean(axis=(0, 1, 2))
                    var = y.var(axis=(0, 1, 2))
                    new_state[node["name"]] = {
                        "mean": 0.9 * s["mean"] + 0.1 * jax.lax.stop_gradient(mean),
                        "var": 0.9 * s["var"] + 0.1 * jax.lax.stop_gradient(var)}
                else:
                    mean, var = s["mean"], s["var"]
                y = (y - mean) * jax.lax.rsqrt(var + BN_EPS) * p["gamma"] + p["beta"]
            else:
                y = y + p["b"]
            if node["act"] == "relu":
                y = jax.nn.relu(y)
        elif op == "maxpool":
            kh, kw = node["k"]
            y = jax.lax.reduce_window(ins[0], -jnp.inf, jax.lax.max, (1, kh, kw, 1),
                                      (1, kh, kw, 1), "VALID")
        elif op == "upsample":
            y = jnp.repeat(jnp.repeat(ins[0], 2, axis=1), 2, axis=2)
        elif op == "concat":
            y = jnp.concatenate(ins, axis=3)
        elif op == "gap":
            y = ins[0].mean(axis=(1, 2), keepdims=True)
        else:
            raise ValueError(op)
        vals[node["name"]] = y
    if not train:
        new_state = state
    else:
        new_state = {**state, **new_state}
    return [vals[o] for o in outputs], new_state


def folded(node, params, state):
    """The node's convolution weights in ONNX layout (OIHW) with batch norm folded in."""
    p = params[node["name"]]
    w = np.asarray(p["w"], dtype=np.float32)
    if node["bn"]:
        s = state[node["name"]]
        scale = np.asarray(p["gamma"]) / np.sqrt(np.asarray(s["var"]) + BN_EPS)
        w = w * scale
        b = np.asarray(p["beta"]) - np.asarray(s["mean"]) * scale
    else:
        b = np.asarray(p["b"])
    return np.ascontiguousarray(w.transpose(3, 2, 0, 1)).astype(np.float32), b.astype(np.float32)


def to_onnx(net, params, state, input_shape, outputs, path, doc):
    """Writes the net as an ONNX model (opset 13), NCHW float input named `input`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nhwc = [input_shape[0], input_shape[2], input_shape[3], input_shape[1]]
    every = [n["name"] for n in net]
    outs, _ = forward(net, params, state, jnp.zeros(nhwc), False, every)
    shapes = {o: [v.shape[0], v.shape[3], v.shape[1], v.shape[2]] for o, v in zip(every, outs)}
    nodes, inits = [], []
    for node in net:
        name, ins = node["name"], node["inputs"]
        op = node["op"]
        if op == "conv":
            w, b = folded(node, params, state)
            inits += [numpy_helper.from_array(w, name + ".w"), numpy_helper.from_array(b, name + ".b")]
            ph, pw = node["pad"]
            out = name if node["act"] is None else name + ".pre"
            nodes.append(helper.make_node(
                "Conv", [ins[0], name + ".w", name + ".b"], [out], kernel_shape=list(node["k"]),
                strides=list(node["stride"]), pads=[ph, pw, ph, pw],
                dilations=[node["dilation"]] * 2))
            if node["act"] == "relu":
                nodes.append(helper.make_node("Relu", [out], [name]))
        elif op == "maxpool":
            nodes.append(helper.make_node("MaxPool", ins, [name], kernel_shape=list(node["k"]),
                                          strides=list(node["k"])))
        elif op == "upsample":
            # Nearest-neighbour doubling as reshapes and concatenations: tract runs these as
            # plain copies, where its general Resize (and Expand) took a quarter of the
            # detector's time.
            _, c, h, w = shapes[ins[0]]
            for suffix, shape in ((".s1", [1, c, h, 1, w, 1]), (".s3", [1, c, 2 * h, 2 * w])):
                inits.append(numpy_helper.from_array(np.array(shape, np.int64), name + suffix))
            nodes.append(helper.make_node("Reshape", [ins[0], name + ".s1"], [name + ".r1"]))
            nodes.append(helper.make_node("Concat", [name + ".r1"] * 2, [name + ".c5"], axis=5))
            nodes.append(helper.make_node("Concat", [name + ".c5"] * 2, [name + ".c3"], axis=3))
            nodes.append(helper.make_node("Reshape", [name + ".c3", name + ".s3"], [name]))
        elif op == "concat":
            nodes.append(helper.make_node("Concat", ins, [name], axis=1))
        elif op == "gap":
            nodes.append(helper.make_node("GlobalAveragePool", ins, [name]))
    graph = helper.make_graph(
        nodes, "net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shapes[o]) for o in outputs],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="alpr-images/train", doc_string=doc)
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
