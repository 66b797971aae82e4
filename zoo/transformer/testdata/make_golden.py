#!/usr/bin/env python3
"""Writes the golden files the transformer package is tested against, in float64, with PyTorch's
own modules on fixed random weights. Run with PyTorch installed (python3-torch); `go test` only
reads the files:

    /usr/bin/python3 zoo/transformer/testdata/make_golden.py

block_pre.npz, block_post.npz: one torch.nn.TransformerEncoderLayer(D=16, nhead=4,
    dim_feedforward=32, dropout=0, batch_first=True), norm_first True (ReLU) or False (GELU, exact),
    under a causal mask. x (B,T,D) input, wout (B,T,D) loss weights, out (B,T,D),
    grad_x, and for every parameter P of the layer (its state_dict names and layouts):
    param/P and grad/P, with loss = sum(out*wout).
lm.npz: the W5 model (the GPT module of ../../../shared/anchors/pytorch/w5_transformer.py with
    --impl nn) at a small size: vocabulary 11, context 6, D 16, 4 heads, FF 32, 2 pre-LN layers,
    learned positions, untied head. tokens, targets (B,T) int64, logits (B,T,V), loss (mean
    cross-entropy, scalar), and param/P, grad/P for every parameter.
Every parameter (biases and LayerNorm weights included) is drawn N(0, 0.3²) from a fixed seed, so
no parameter sits at its trivial initial value.
"""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def randomise(module, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)


def save(name, arrays):
    out = {k: (v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)) for k, v in arrays.items()}
    np.savez(os.path.join(HERE, name + ".npz"), **out)


def causal(T):
    return torch.triu(torch.full((T, T), float('-inf')), diagonal=1)


def block_case(name, norm_first, activation, seed):
    B, T, D = 2, 5, 16
    layer = nn.TransformerEncoderLayer(D, 4, 32, dropout=0.0, activation=activation,
                                       batch_first=True, norm_first=norm_first)
    randomise(layer, seed)
    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(B, T, D, generator=g).requires_grad_()
    wout = torch.randn(B, T, D, generator=g)
    out = layer(x, src_mask=causal(T))
    (out * wout).sum().backward()
    arrays = {'x': x, 'wout': wout, 'out': out, 'grad_x': x.grad}
    for pname, p in layer.named_parameters():
        arrays['param/' + pname] = p
        arrays['grad/' + pname] = p.grad
    save(name, arrays)


class GPT(nn.Module):
    def __init__(self, V, T, D, H, FF, L):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Embedding(T, D)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, activation='relu', batch_first=True, norm_first=True)
            for _ in range(L)])
        self.lnf = nn.LayerNorm(D)
        self.head = nn.Linear(D, V)
        self.register_buffer('mask', causal(T))

    def forward(self, idx):
        B, T = idx.shape
        x = self.tok(idx) + self.pos(torch.arange(T))
        for b in self.blocks:
            x = b(x, src_mask=self.mask[:T, :T])
        return self.head(self.lnf(x))


def lm_case(seed):
    V, T, B = 11, 6, 2
    model = GPT(V, T, 16, 4, 32, 2)
    randomise(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    tokens = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    logits = model(tokens)
    loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
    loss.backward()
    arrays = {'tokens': tokens, 'targets': targets, 'logits': logits, 'loss': loss}
    for pname, p in model.named_parameters():
        arrays['param/' + pname] = p
        arrays['grad/' + pname] = p.grad
    save('lm', arrays)


if __name__ == '__main__':
    block_case('block_pre', True, 'relu', 5)
    block_case('block_post', False, 'gelu', 6)
    lm_case(7)
