#!/usr/bin/env python3
"""Writes the golden files the attention pieces of package nn are tested against, in float64:
torch.nn.MultiheadAttention (self-attention with a causal and a key-padding mask, cross-attention
with a key-padding mask, and a large case), torch.nn.LayerNorm and torch.nn.functional.gelu.

Run from anywhere with PyTorch installed (python3-torch); `go test` only reads the files:

    /usr/bin/python3 nn/testdata/make_golden.py

Each case is one uncompressed .npz file (numpy.savez), float64 unless noted:

mha_*:  query (B,Tq,D), key (B,Tk,D), value (B,Tk,D) (batch first), lens (B,) int64 key lengths
        (keys at positions >= lens[b] are padding), causal (scalar 0/1), heads (scalar),
        wout (B,Tq,D) loss weights, out (B,Tq,D), attn (B,Tq,Tk) weights averaged over heads,
        grad_query, grad_key, grad_value and, per parameter P (in_proj_weight (3D,D),
        in_proj_bias (3D,), out_proj.weight (D,D), out_proj.bias (D,)): P and grad_P in torch's
        layout. loss = sum(out*wout). In the self-attention case query, key and value are one
        tensor and only grad_query (the total) is stored.
mha_large: as mha_* but parameters, inputs and loss weights come from formula() (the Go test
        computes the same numbers) and only samples are stored: out_idx/out_val, grad_X_idx/
        grad_X_val (flat indices into torch's layout), and loss.
layernorm: x (N,D), weight (D,), bias (D,), wout (N,D), out, grad_x, grad_weight, grad_bias.
bahdanau, luong_general: query (B,Hq), memory (B,Tk,Hk), lens (B,) int64, wctx (B,Hk) loss
        weights, context (B,Hk), weights (B,1,Tk), grad_query, grad_memory, and per parameter P
        (Wa/Ua/Va .weight/.bias, or attn.weight/.bias): P and grad_P in torch's layout.
        loss = sum(context*wctx). The modules follow PyTorch's seq2seq tutorials.
gelu:   x (n,), out_erf, out_tanh, grad_erf, grad_tanh (d sum(gelu(x)*w)/dx with w), w.
"""
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = 64


def formula(k, n, scale):
    """Array k with n elements, exactly reproducible in Go's float64 arithmetic."""
    return np.array([((i * 7919 + (k + 1) * 104729) % 1999 - 999) / 999 * scale for i in range(n)])


def save(name, arrays):
    out = {}
    for k, v in arrays.items():
        out[k] = v.detach().numpy() if isinstance(v, torch.Tensor) else np.asarray(v)
    np.savez(os.path.join(HERE, name + ".npz"), **out)


def mha_case(name, B, Tq, Tk, D, H, causal, lens, self_attn, large, seed):
    torch.manual_seed(seed)
    mod = torch.nn.MultiheadAttention(D, H, batch_first=True)
    params = list(mod.named_parameters())
    if large:
        with torch.no_grad():
            for k, (pname, p) in enumerate(params):
                p.copy_(torch.from_numpy(formula(k, p.numel(), 1 / math.sqrt(D))).reshape(p.shape))
        query = torch.from_numpy(formula(10, B * Tq * D, 1.0)).reshape(B, Tq, D).requires_grad_()
        wout = torch.from_numpy(formula(13, B * Tq * D, 1.0)).reshape(B, Tq, D)
    else:
        with torch.no_grad():  # non-zero biases so that their use is checked
            mod.in_proj_bias.normal_(0, 0.5)
            mod.out_proj.bias.normal_(0, 0.5)
        query = torch.randn(B, Tq, D, requires_grad=True)
        wout = torch.randn(B, Tq, D)
    if self_attn:
        key = value = query
    elif large:
        key = torch.from_numpy(formula(11, B * Tk * D, 1.0)).reshape(B, Tk, D).requires_grad_()
        value = torch.from_numpy(formula(12, B * Tk * D, 1.0)).reshape(B, Tk, D).requires_grad_()
    else:
        key = torch.randn(B, Tk, D, requires_grad=True)
        value = torch.randn(B, Tk, D, requires_grad=True)
    pad = torch.arange(Tk)[None, :] >= torch.tensor(lens)[:, None]  # True = ignore
    attn_mask = None
    if causal:
        attn_mask = torch.triu(torch.ones(Tq, Tk, dtype=torch.bool), diagonal=1 + Tk - Tq)
    out, attn = mod(query, key, value, key_padding_mask=pad, attn_mask=attn_mask, need_weights=True)
    loss = (out * wout).sum()
    loss.backward()
    arrays = {"lens": np.array(lens, dtype=np.int64), "causal": np.array(int(causal)), "heads": np.array(H)}
    grads = {"grad_query": query.grad}
    if not self_attn:
        grads.update(grad_key=key.grad, grad_value=value.grad)
    for pname, p in params:
        grads["grad_" + pname] = p.grad
    if large:
        rng = np.random.RandomState(seed)
        arrays["loss"] = np.array(float(loss))
        for gname, gval in [("out", out)] + list(grads.items()):
            g = gval.detach().numpy().reshape(-1)
            idx = np.sort(rng.choice(g.size, SAMPLES, replace=False)).astype(np.int64)
            arrays[gname + "_idx"] = idx
            arrays[gname + "_val"] = g[idx]
    else:
        arrays.update(query=query, key=key, value=value, wout=wout, out=out, attn=attn)
        arrays.update(grads)
        for pname, p in params:
            arrays[pname] = p
    save(name, arrays)
    print(name, "loss", float(loss))


def layernorm_case(seed):
    torch.manual_seed(seed)
    N, D = 6, 10
    mod = torch.nn.LayerNorm(D)
    with torch.no_grad():
        mod.weight.normal_(1, 0.5)
        mod.bias.normal_(0, 0.5)
    x = (torch.randn(N, D) * 2 + 0.5).requires_grad_()
    wout = torch.randn(N, D)
    out = mod(x)
    loss = (out * wout).sum()
    loss.backward()
    save("layernorm", {"x": x, "weight": mod.weight, "bias": mod.bias, "wout": wout, "out": out,
                       "grad_x": x.grad, "grad_weight": mod.weight.grad, "grad_bias": mod.bias.grad})
    print("layernorm loss", float(loss))


def gelu_case(seed):
    torch.manual_seed(seed)
    x = torch.cat([torch.linspace(-6, 6, 25), torch.randn(15) * 2])
    w = torch.randn(x.numel())
    arrays = {"x": x, "w": w}
    for approx, tag in (("none", "erf"), ("tanh", "tanh")):
        xx = x.clone().requires_grad_()
        y = torch.nn.functional.gelu(xx, approximate=approx)
        (y * w).sum().backward()
        arrays["out_" + tag] = y
        arrays["grad_" + tag] = xx.grad
    save("gelu", arrays)
    print("gelu")


class Bahdanau(torch.nn.Module):
    def __init__(self, hq, hk, a):
        super().__init__()
        self.Wa = torch.nn.Linear(hq, a)
        self.Ua = torch.nn.Linear(hk, a)
        self.Va = torch.nn.Linear(a, 1)

    def forward(self, query, keys, pad):
        scores = self.Va(torch.tanh(self.Wa(query.unsqueeze(1)) + self.Ua(keys)))  # (B,Tk,1)
        scores = scores.squeeze(2).unsqueeze(1).masked_fill(pad.unsqueeze(1), float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return torch.bmm(weights, keys).squeeze(1), weights


class LuongGeneral(torch.nn.Module):
    def __init__(self, hq, hk):
        super().__init__()
        self.attn = torch.nn.Linear(hk, hq)

    def forward(self, query, keys, pad):
        scores = torch.sum(query.unsqueeze(1) * self.attn(keys), dim=2).unsqueeze(1)  # (B,1,Tk)
        weights = torch.softmax(scores.masked_fill(pad.unsqueeze(1), float("-inf")), dim=-1)
        return torch.bmm(weights, keys).squeeze(1), weights


def seq2seq_case(name, mod, B, Tk, Hq, Hk, lens, seed):
    torch.manual_seed(seed)
    query = torch.randn(B, Hq, requires_grad=True)
    memory = torch.randn(B, Tk, Hk, requires_grad=True)
    wctx = torch.randn(B, Hk)
    pad = torch.arange(Tk)[None, :] >= torch.tensor(lens)[:, None]
    context, weights = mod(query, memory, pad)
    loss = (context * wctx).sum()
    loss.backward()
    arrays = {"query": query, "memory": memory, "lens": np.array(lens, dtype=np.int64), "wctx": wctx,
              "context": context, "weights": weights, "grad_query": query.grad, "grad_memory": memory.grad}
    for pname, p in mod.named_parameters():
        arrays[pname] = p
        arrays["grad_" + pname] = p.grad
    save(name, arrays)
    print(name, "loss", float(loss))


def main():
    mha_case("mha_self", 2, 5, 5, 8, 2, True, [5, 3], True, False, 1)
    mha_case("mha_cross", 2, 4, 6, 12, 3, False, [6, 2], False, False, 2)
    mha_case("mha_large", 2, 130, 130, 320, 4, True, [130, 97], True, True, 3)
    layernorm_case(4)
    gelu_case(5)
    torch.manual_seed(6)
    seq2seq_case("bahdanau", Bahdanau(4, 6, 7), 3, 5, 4, 6, [5, 2, 4], 7)
    torch.manual_seed(8)
    seq2seq_case("luong_general", LuongGeneral(4, 6), 3, 5, 4, 6, [5, 2, 4], 9)


if __name__ == "__main__":
    main()
