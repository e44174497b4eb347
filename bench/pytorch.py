#!/usr/bin/python3
"""Native metacog vs PyTorch (Debian's python3-torch) on the same CPU, 2 threads each (--threads).

    /usr/bin/python3 bench/pytorch.py [--metacog build/metacog] [--rounds 3] [--repeats 5] [--threads 2]
    npm run bench:pytorch

Work, identical on both sides (float32, Conv-4 with 64 filters, max-pool, BN in training mode):
  conv4_forward     Conv-4 forward on 100 28×28×1 images, no gradient recording
                    (metacog: `metacog bench` conv4_forward_ms)
  protonet_episode  one ProtoNet training episode, 60-way 5-shot 5-query (600 images in one batch):
                    embed, squared-Euclidean distances to the class means, cross-entropy,
                    backward, Adam step (metacog: `metacog bench` protonet_episode_ms, the work of
                    MetricTrainer::step)

Threads: torch.set_num_threads(T) (and interop 1); metacog runs with OMP_NUM_THREADS=T; T = 2 unless
--threads says otherwise (1 gives steadier numbers on a machine that is busy with other work).
Protocol: `rounds` rounds, each runs `metacog bench --json --repeats R` and then the PyTorch
measurements (median of R runs after one warm-up); the two sides alternate so background load
hits both alike. Reported: per-side medians over rounds, every round's raw numbers, and the
1-minute load average before and after each round (the machine may be shared).

Prints one JSON object: ratios = PyTorch time / metacog time (> 1 means metacog is faster).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F


def median_ms(repeats, fn):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


class Conv4(torch.nn.Module):
    """Conv-4, max-pool variant (Snell et al. 2017): 4 × [conv3×3 (no bias) → BN → ReLU → max-pool 2]."""

    def __init__(self, hidden=64):
        super().__init__()
        layers = []
        c = 1
        for _ in range(4):
            layers += [torch.nn.Conv2d(c, hidden, 3, padding=1, bias=False), torch.nn.BatchNorm2d(hidden),
                       torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
            c = hidden
        self.encoder = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.encoder(x).flatten(1)


def protonet_loss(z, way, shot, query):
    support, q = z[: way * shot], z[way * shot:]
    protos = support.reshape(way, shot, -1).mean(1)
    d = ((q[:, None, :] - protos[None]) ** 2).sum(-1)
    labels = torch.arange(way).repeat_interleave(query)
    return F.cross_entropy(-d, labels)


def torch_bench(repeats):
    torch.manual_seed(2025)
    net = Conv4()
    net.train()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x100 = torch.rand(100, 1, 28, 28)
    way, shot, query = 60, 5, 5
    episode = torch.rand(way * (shot + query), 1, 28, 28)

    def forward():
        with torch.no_grad():
            net(x100)

    def train_episode():
        opt.zero_grad(set_to_none=True)
        loss = protonet_loss(net(episode), way, shot, query)
        loss.backward()
        opt.step()

    return {"conv4_forward_ms": median_ms(repeats, forward), "protonet_episode_ms": median_ms(repeats, train_episode)}


def metacog_bench(binary, repeats, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "bench", "--json", "--repeats", str(repeats)], env=env, check=True,
                         capture_output=True, text=True).stdout
    j = json.loads(out)
    if "protonet_episode_ms" not in j:
        sys.exit("metacog bench printed no protonet_episode_ms: rebuild build/metacog")
    return j


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--metacog", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "metacog"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)

    rounds = []
    for _ in range(args.rounds):
        load_before = os.getloadavg()[0]
        m = metacog_bench(os.path.normpath(args.metacog), args.repeats, args.threads)
        p = torch_bench(args.repeats)
        rounds.append({"metacog": {k: m[k] for k in ("conv4_forward_ms", "protonet_episode_ms")},
                       "metacog_threads": m.get("threads"), "pytorch": p,
                       "load1_before": load_before, "load1_after": os.getloadavg()[0]})

    def med(side, key):
        return statistics.median(r[side][key] for r in rounds)

    keys = {"conv4_forward": "conv4_forward_ms", "protonet_episode": "protonet_episode_ms"}
    result = {
        "ratios": {f"{name}_vs_pytorch": med("pytorch", k) / med("metacog", k) for name, k in keys.items()},
        "metacog_ms": {k: med("metacog", k) for k in keys.values()},
        "pytorch_ms": {k: med("pytorch", k) for k in keys.values()},
        "threads": {"metacog_omp": rounds[0]["metacog_threads"], "pytorch": torch.get_num_threads()},
        "torch_version": torch.__version__,
        "cpu_count": os.cpu_count(),
        "rounds": rounds,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
