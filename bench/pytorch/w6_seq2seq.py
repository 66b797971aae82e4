"""W6: seq2seq date normalisation (e.g. "Sat 28 Nov 2026" -> "2026-11-28" EOS), character level: Embedding(Vin, 32)
-> bidirectional nn.GRU(32, 128) over the padded sources (packed by length) -> annotations h_j (256); decoder state
s0 = tanh(Linear(256, 128)([h_fwd_last; h_bwd_last])); decoder step: additive attention
c_t = sum_j softmax_j(v^T tanh(W s_{t-1} + U h_j)) h_j (attention width 128, padding masked),
s_t = GRUCell([Embedding(Vout, 32)(y_{t-1}); c_t], s_{t-1}), logits = Linear(384, Vout)([s_t; c_t]).
Teacher forcing, mean cross-entropy over the 11 outputs, batch 64 of fresh random dates (1950-2049, 10 formats)
per step, Adam 1e-3, no clipping."""
import datetime as dt

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import bench_common

EMB, HID, ATT, B, LR = 32, 128, 128, 64, 1e-3
MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October',
          'November', 'December']
DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']
START, END = dt.date(1950, 1, 1).toordinal(), dt.date(2049, 12, 31).toordinal()
IN_CHARS = ' ,./0123456789' + ''.join(chr(c) for c in range(ord('A'), ord('Z') + 1)) + \
    ''.join(chr(c) for c in range(ord('a'), ord('z') + 1))
IN_IDX = {c: i + 1 for i, c in enumerate(IN_CHARS)}  # 0 = padding
OUT_CHARS = '0123456789-'
BOS, EOS = len(OUT_CHARS), len(OUT_CHARS) + 1
VOUT, OUT_LEN = len(OUT_CHARS) + 2, 11


def render(d, f):
    M, W = MONTHS[d.month - 1], DAYS[d.weekday()]
    return [
        f'{d.day} {M} {d.year}', f'{M[:3]} {d.day}, {d.year}', f'{d.month:02d}/{d.day:02d}/{d.year % 100:02d}',
        f'{W}, {M} {d.day}, {d.year}'.lower(), f'{W}, {M} {d.day}, {d.year}', f'{d.day:02d}.{d.month:02d}.{d.year}',
        f'{M} {d.day}, {d.year}', f'{d.day} {M[:3].upper()} {d.year}', f'{d.month}/{d.day}/{d.year}',
        f'{W[:3]} {d.day} {M[:3]} {d.year}',
    ][f]


def draw(rng, n):
    """n random dates rendered in random formats, encoded: padded sources, lengths, targets."""
    samples = []
    for _ in range(n):
        d = dt.date.fromordinal(int(rng.integers(START, END + 1)))
        samples.append((render(d, int(rng.integers(0, 10))), d.isoformat()))
    L = max(len(s) for s, _ in samples)
    x = torch.zeros(n, L, dtype=torch.long)
    y = torch.empty(n, OUT_LEN, dtype=torch.long)
    for i, (s, iso) in enumerate(samples):
        x[i, :len(s)] = torch.tensor([IN_IDX[c] for c in s])
        y[i, :10] = torch.tensor([OUT_CHARS.index(c) for c in iso])
        y[i, 10] = EOS
    return x, torch.tensor([len(s) for s, _ in samples]), y


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb_in = nn.Embedding(len(IN_CHARS) + 1, EMB, padding_idx=0)
        self.enc = nn.GRU(EMB, HID, batch_first=True, bidirectional=True)
        self.init_s = nn.Linear(2 * HID, HID)
        self.emb_out = nn.Embedding(VOUT, EMB)
        self.dec = nn.GRUCell(EMB + 2 * HID, HID)
        self.W = nn.Linear(HID, ATT, bias=False)
        self.U = nn.Linear(2 * HID, ATT)
        self.v = nn.Linear(ATT, 1, bias=False)
        self.out = nn.Linear(3 * HID, VOUT)

    def forward(self, x, lens, y):
        packed = pack_padded_sequence(self.emb_in(x), lens, batch_first=True, enforce_sorted=False)
        H, hn = self.enc(packed)
        H, _ = pad_packed_sequence(H, batch_first=True, total_length=x.shape[1])
        mask = x != 0
        UH = self.U(H)
        s = torch.tanh(self.init_s(torch.cat([hn[0], hn[1]], dim=1)))
        yin = torch.cat([torch.full((x.shape[0], 1), BOS, dtype=torch.long), y[:, :-1]], dim=1)
        logits = []
        for t in range(OUT_LEN):
            e = self.v(torch.tanh(self.W(s).unsqueeze(1) + UH)).squeeze(2).masked_fill(~mask, float('-inf'))
            c = torch.bmm(F.softmax(e, dim=1).unsqueeze(1), H).squeeze(1)
            s = self.dec(torch.cat([self.emb_out(yin[:, t]), c], dim=1), s)
            logits.append(self.out(torch.cat([s, c], dim=1)))
        return torch.stack(logits, dim=1)


def build(a):
    model = Seq2Seq()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    rng = np.random.Generator(np.random.PCG64(a.seed + 1))

    def step():
        x, lens, y = draw(rng, B)
        loss = F.cross_entropy(model(x, lens, y).reshape(-1, VOUT), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()
    return step


bench_common.run('W6', 'samples', B, build, {'embed': EMB, 'enc_hidden_per_dir': HID, 'dec_hidden': HID, 'attn': 'additive', 'attn_dim': ATT, 'batch': B, 'adam_lr': LR})
