"""W5: decoder-only causal transformer character LM on the Opticks text: 2 pre-LayerNorm layers, d_model 128,
4 heads, FF 512 ReLU, context 64, batch 32, learned positions, init N(0, 0.02), biases 0, no dropout, untied head,
Adam 1e-3, no clipping. Attention written out as ops (one qkv product, softmax(q k^T / sqrt(32) + causal mask) v)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import bench_common

D, HEADS, FF, CTX, LAYERS, B, LR = 128, 4, 512, 64, 2, 32, 1e-3


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, FF), nn.Linear(FF, D)

    def forward(self, x, mask):
        n, T, _ = x.shape
        hd = D // HEADS
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        q, k, v = (t.view(n, T, HEADS, hd).transpose(1, 2) for t in (q, k, v))
        att = F.softmax((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd)) + mask[:T, :T], dim=-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(n, T, D))
        return x + self.fc2(F.relu(self.fc1(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, V):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(CTX, D)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.lnf, self.head = nn.LayerNorm(D), nn.Linear(D, V)
        self.register_buffer('mask', torch.triu(torch.full((CTX, CTX), float('-inf')), diagonal=1))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if getattr(m, 'bias', None) is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x, self.mask)
        return self.head(self.lnf(x))


def build(a):
    train, V = bench_common.load_corpus(a.corpus)
    model = GPT(V)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sampler = bench_common.WindowSampler(train, B, CTX, a.seed + 1)

    def step():
        x, y = sampler.next()
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()
    return step


bench_common.run('W5', 'tokens', B * CTX, build, {'layers': LAYERS, 'd_model': D, 'heads': HEADS, 'ff': FF, 'context': CTX, 'batch': B, 'adam_lr': LR})
