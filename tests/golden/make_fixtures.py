#!/usr/bin/python3
"""Golden values from PyTorch for metacog's Conv-4, ProtoNet loss and second-order MAML.

Writes tests/fixtures/golden_conv4.safetensors, read by tests/cpp/golden_tests.cpp. Run by hand
(not by CI) from the repository root, with Debian's python3-torch:

    /usr/bin/python3 tests/golden/make_fixtures.py

Everything is computed in float64 on fixed, seeded inputs. Inputs and weights are first rounded to
float32, so the float32 engine and the float64 reference see exactly the same numbers; results are
stored as F64 so the engine's float64 ops can be compared tightly too.

Contents (metacog conventions: images NHWC [N, 28, 28, 1]; conv weights stored OIHW as PyTorch and
model files have them, converted to OHWI by the test):
  images [12, 28, 28, 1] — episode of 3 classes, support = rows 0..5 (class k: rows 2k, 2k+1),
      query = rows 6..11 (class k: rows 6+2k, 7+2k). Pixels U[0, 1).

  maxpool.*  Conv-4 "max" variant (Snell et al. 2017), hidden 8, BN in training mode (batch stats):
      params encoder.{i}.conv.weight [8, C, 3, 3] (no conv bias), encoder.{i}.bn.weight/bias [8]
      (γ ~ U[0.5, 1.5), β ~ U[-0.2, 0.2) so their gradients are non-trivial)
      out.embedding [12, 8]         forward on all 12 images
      out.running_mean/var.{i} [8]  BN running statistics after that forward (momentum 0.1,
                                    unbiased variance, from mean 0 / var 1)
      out.loss []                   ProtoNet loss: c_k = mean of class k's support embeddings,
                                    L = −mean_q log softmax_k(−‖f(x_q) − c_k‖²)[y_q]
      grad.<param>                  ∂L/∂param (conv gradients OIHW)

  stride2.*  Conv-4 "stride2" variant (Finn et al. 2017), hidden 8, flatten readout → 8·2·2 = 32
      features, linear head to 3 classes. The flatten is taken in NHWC order (h, w, c) — metacog's
      layout — so head.weight columns are in that order.
      params encoder.* as above, head.weight [3, 32], head.bias [3]
      out.embedding [12, 32]        forward on all 12 images
      maml.*   one-step second-order MAML meta-gradient (create_graph=True):
          L_s(θ) = CE(f_θ(support), y_s), φ = θ − 0.4 ∇θ L_s(θ),
          L_q(φ) = CE(f_φ(query), y_q), maml.grad.<param> = dL_q/dθ (through the inner step);
          maml.fo_grad.<param> = ∂L_q/∂φ at φ (first-order MAML), to show the Hessian terms matter;
          maml.support_loss [], maml.query_loss []. BN in training mode in both passes.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

assert sys.byteorder == "little"

HIDDEN = 8
WAY, SHOT, QUERY = 3, 2, 2
IMAGE = 28
INNER_LR = 0.4
EPS, MOMENTUM = 1e-5, 0.1


def f32_exact(t):
    """Rounded to float32, held as float64 (the engine and the reference see the same values)."""
    return t.float().double()


def init_encoder(gen, prefix):
    p = {}
    c = 1
    for i in range(4):
        bound = 1.0 / (c * 9) ** 0.5
        p[f"{prefix}encoder.{i}.conv.weight"] = f32_exact((torch.rand(HIDDEN, c, 3, 3, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
        p[f"{prefix}encoder.{i}.bn.weight"] = f32_exact(torch.rand(HIDDEN, generator=gen, dtype=torch.float64) + 0.5)
        p[f"{prefix}encoder.{i}.bn.bias"] = f32_exact((torch.rand(HIDDEN, generator=gen, dtype=torch.float64) * 2 - 1) * 0.2)
        c = HIDDEN
    return p


def embed(p, prefix, x_nhwc, pool, running=None):
    """Conv-4 on NHWC images; returns the flattened embedding in NHWC order."""
    h = x_nhwc.permute(0, 3, 1, 2)
    stride = 1 if pool == "max" else 2
    for i in range(4):
        b = f"{prefix}encoder.{i}."
        h = F.conv2d(h, p[b + "conv.weight"], None, stride=stride, padding=1)
        rm = rv = None
        if running is not None:
            rm, rv = running[i]
        h = F.batch_norm(h, rm, rv, p[b + "bn.weight"], p[b + "bn.bias"], training=True, momentum=MOMENTUM, eps=EPS)
        h = F.relu(h)
        if pool == "max":
            h = F.max_pool2d(h, 2)
    return h.permute(0, 2, 3, 1).flatten(1)


def protonet_loss(z):
    ns = WAY * SHOT
    support, query = z[:ns], z[ns:]
    protos = support.reshape(WAY, SHOT, -1).mean(1)
    d = ((query[:, None, :] - protos[None, :, :]) ** 2).sum(-1)
    labels = torch.arange(WAY).repeat_interleave(QUERY)
    return F.nll_loss(F.log_softmax(-d, dim=1), labels)


def save_file(tensors, path, metadata):
    """safetensors layout (as safetensors.torch.save_file): F64, names sorted."""
    header = {"__metadata__": metadata}
    offset, chunks = 0, []
    for name in sorted(tensors):
        t = tensors[name].detach().double().contiguous()
        data = t.numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        chunks.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def main():
    torch.set_default_dtype(torch.float64)
    gen = torch.Generator().manual_seed(20240917)
    out = {}
    images = f32_exact(torch.rand(WAY * (SHOT + QUERY), IMAGE, IMAGE, 1, generator=gen, dtype=torch.float64))
    out["images"] = images

    # ---- max-pool Conv-4 + ProtoNet loss
    p = init_encoder(gen, "maxpool.")
    out.update(p)
    leaves = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    running = [(torch.zeros(HIDDEN), torch.ones(HIDDEN)) for _ in range(4)]
    z = embed(leaves, "maxpool.", images, "max", running)
    loss = protonet_loss(z)
    grads = torch.autograd.grad(loss, list(leaves.values()))
    out["maxpool.out.embedding"] = z
    out["maxpool.out.loss"] = loss.reshape(())
    for i, (rm, rv) in enumerate(running):
        out[f"maxpool.out.running_mean.{i}"] = rm
        out[f"maxpool.out.running_var.{i}"] = rv
    for (name, _), g in zip(leaves.items(), grads):
        out["maxpool.grad." + name[len("maxpool."):]] = g

    # ---- stride-2 Conv-4 + linear head: forward, and one-step second-order MAML
    p = init_encoder(gen, "stride2.")
    features = HIDDEN * 2 * 2
    bound = 1.0 / features ** 0.5
    p["stride2.head.weight"] = f32_exact((torch.rand(WAY, features, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
    p["stride2.head.bias"] = f32_exact((torch.rand(WAY, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
    out.update(p)
    with torch.no_grad():
        out["stride2.out.embedding"] = embed(p, "stride2.", images, "stride2")

    names = list(p.keys())
    theta = [p[n].clone().requires_grad_(True) for n in names]

    def logits(params, x):
        q = dict(zip(names, params))
        return F.linear(embed(q, "stride2.", x, "stride2"), q["stride2.head.weight"], q["stride2.head.bias"])

    ns = WAY * SHOT
    y = torch.arange(WAY).repeat_interleave(SHOT)  # SHOT == QUERY: the same labels for both halves
    support_loss = F.cross_entropy(logits(theta, images[:ns]), y)
    g = torch.autograd.grad(support_loss, theta, create_graph=True)
    phi = [t - INNER_LR * gi for t, gi in zip(theta, g)]
    query_loss = F.cross_entropy(logits(phi, images[ns:]), y)
    meta = torch.autograd.grad(query_loss, theta, retain_graph=True)
    fo = torch.autograd.grad(query_loss, phi)
    out["stride2.maml.support_loss"] = support_loss.reshape(())
    out["stride2.maml.query_loss"] = query_loss.reshape(())
    for n, mg, fg in zip(names, meta, fo):
        short = n[len("stride2."):]
        out["stride2.maml.grad." + short] = mg
        out["stride2.maml.fo_grad." + short] = fg

    metadata = {
        "created_by": "tests/golden/make_fixtures.py (torch %s, float64)" % torch.__version__,
        "config": json.dumps({"hidden": HIDDEN, "way": WAY, "shot": SHOT, "query": QUERY, "image": IMAGE,
                              "inner_lr": INNER_LR, "bn_eps": EPS, "bn_momentum": MOMENTUM}),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "golden_conv4.safetensors")
    save_file(out, os.path.normpath(path), metadata)
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes,", len(out), "tensors")


if __name__ == "__main__":
    main()
