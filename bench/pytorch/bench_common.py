"""Shared harness of the zoo's PyTorch benchmark scripts (one script per workload beside this file).

Each script builds its workload once, runs --warmup untimed training steps, then times --steps steps
(each: draw a batch, forward, loss, backward, clipping where the workload clips, optimizer step,
loss.item()) and prints one JSON line:

  {"workload": "W1", "unit": "tokens", "units_per_s": ..., "median_step_s": ..., "steps": ...,
   "warmup": ..., "loss": ..., "torch": "1.13.1", "threads": 2, "blas_libs": [...], "config": {...}}

units_per_s = units per step (batch x length for tokens, batch for samples) / median step time.
The configurations are those of the zoo's Go workloads (package bench) and of the reference figures.
Run with Debian's /usr/bin/python3 and LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp.
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument('--steps', type=int, default=100, help='timed steps')
    p.add_argument('--warmup', type=int, default=20, help='untimed steps first')
    p.add_argument('--threads', type=int, default=2, help='torch.set_num_threads')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--corpus', default='', help='the Opticks text (W1, W2, W5); default $GOROOT/src/testdata/...')
    a = p.parse_args()
    if a.steps < 1 or a.warmup < 0 or a.threads < 1:
        p.error('--steps and --threads must be at least 1, --warmup at least 0')
    return a


def blas_libs():
    """The BLAS, LAPACK, oneDNN and OpenMP libraries this process has mapped."""
    libs = set()
    try:
        with open('/proc/self/maps') as f:
            for line in f:
                p = line.split()[-1]
                if p.startswith('/') and any(s in p for s in ('blas', 'lapack', 'dnnl', 'mkl', 'gomp', 'omp')):
                    libs.add(os.path.realpath(p))
    except OSError:
        pass
    return sorted(libs)


def run(workload, unit, per_step, build, config):
    """Builds the step with build(args), warms up, times, and prints the JSON line."""
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    np.random.seed(a.seed)
    step = build(a)
    loss = float('nan')
    for _ in range(a.warmup):
        loss = step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    med = float(np.median(np.array(times)))
    print(json.dumps({
        'workload': workload, 'unit': unit, 'units_per_s': per_step / med, 'median_step_s': med,
        'steps': a.steps, 'warmup': a.warmup, 'loss': loss,
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas_libs': blas_libs(),
        'config': config,
    }))
    sys.stdout.flush()


# ---------------------------------------------------------------- the Opticks text (W1, W2, W5)
def load_corpus(path):
    """Byte-level vocabulary (sorted distinct bytes), the first int(0.9 n) bytes for training."""
    if not path:
        import subprocess
        root = subprocess.check_output(['go', 'env', 'GOROOT'], text=True).strip()
        path = os.path.join(root, 'src', 'testdata', 'Isaac.Newton-Opticks.txt')
    data = open(path, 'rb').read()
    vocab = sorted(set(data))
    lut = np.zeros(256, dtype=np.int64)
    for i, b in enumerate(vocab):
        lut[b] = i
    ids = lut[np.frombuffer(data, dtype=np.uint8)]
    return ids[:int(0.9 * len(ids))], len(vocab)


class WindowSampler:
    """Batches of windows at random offsets of the training text: inputs [:-1], targets [1:]."""

    def __init__(self, train, batch, length, seed):
        self.train, self.batch, self.length = train, batch, length
        self.rng = np.random.Generator(np.random.PCG64(seed))

    def next(self):
        starts = self.rng.integers(0, len(self.train) - self.length, size=self.batch)
        chunk = torch.from_numpy(self.train[starts[:, None] + np.arange(self.length + 1)[None, :]])
        return chunk[:, :-1].contiguous(), chunk[:, 1:].contiguous()


def char_lm(kind):
    """W1 and W2: Embedding(V, 64) -> 1-layer nn.LSTM / nn.GRU / nn.RNN(tanh) of 256 -> Linear(256, V);
    batch 32 x 64, mean cross-entropy, Adam 2e-3, clip_grad_norm_ 5."""
    EMB, HID, T, B, LR, CLIP = 64, 256, 64, 32, 2e-3, 5.0

    class LM(torch.nn.Module):
        def __init__(self, V):
            super().__init__()
            self.emb = torch.nn.Embedding(V, EMB)
            self.rnn = {'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU, 'rnn': torch.nn.RNN}[kind](EMB, HID, batch_first=True)
            self.head = torch.nn.Linear(HID, V)

        def forward(self, x):
            h, _ = self.rnn(self.emb(x))
            return self.head(h)

    def build(a):
        train, V = load_corpus(a.corpus)
        model = LM(V)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        sampler = WindowSampler(train, B, T, a.seed + 1)

        def step():
            x, y = sampler.next()
            loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
            return loss.item()
        return step

    config = {'cell': kind, 'embed': EMB, 'hidden': HID, 'bptt': T, 'batch': B, 'adam_lr': LR, 'clip': CLIP}
    return build, B * T, config
