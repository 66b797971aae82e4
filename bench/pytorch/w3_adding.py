"""W3: the adding problem, nn.LSTM (input 2, hidden 128, T 50) -> Linear(128, 1) on the last step; a fresh
batch of 50 every step, MSE, Adam 1e-3, clip_grad_norm_ 1; forget-gate bias 1 as the zoo's LSTM."""
import torch

import bench_common

T, HID, B, LR, CLIP = 50, 128, 50, 1e-3, 1.0


def make_batch(n, gen):
    vals = torch.rand(n, T, generator=gen)
    first = torch.randint(0, T // 2, (n,), generator=gen)
    second = torch.randint(T // 2, T, (n,), generator=gen)
    mark = torch.zeros(n, T)
    ar = torch.arange(n)
    mark[ar, first] = 1.0
    mark[ar, second] = 1.0
    return torch.stack([vals, mark], dim=2), (vals[ar, first] + vals[ar, second]).unsqueeze(1)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(2, HID, batch_first=True)
        with torch.no_grad():
            self.rnn.bias_ih_l0[HID:2 * HID].fill_(1.0)
            self.rnn.bias_hh_l0[HID:2 * HID].fill_(0.0)
        self.out = torch.nn.Linear(HID, 1)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.out(h[:, -1])


def build(a):
    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    gen = torch.Generator().manual_seed(a.seed + 1)

    def step():
        x, y = make_batch(B, gen)
        loss = torch.nn.functional.mse_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss.item()
    return step


bench_common.run('W3', 'samples', B, build, {'cell': 'lstm', 'T': T, 'hidden': HID, 'batch': B, 'adam_lr': LR, 'clip': CLIP})
