"""W4: MLP 784-256-256-10, Linear -> BatchNorm1d -> ReLU twice, batch 128, cross-entropy, SGD lr 0.05 momentum 0.9,
on MNIST-shaped inputs U[0,1)^784 labelled by a fixed random teacher net (8 batches, cycled in shuffled order)."""
import torch
import torch.nn as nn

import bench_common

B, LR, MOM, N = 128, 0.05, 0.9, 128 * 8


def build(a):
    g = torch.Generator().manual_seed(a.seed + 7)
    x = torch.rand(N, 784, generator=g)
    w1 = torch.randn(784, 64, generator=g) / 784 ** 0.5
    w2 = torch.randn(64, 10, generator=g) / 64 ** 0.5
    y = torch.argmax(torch.tanh((x - 0.5) @ w1) @ w2, dim=1)
    model = nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(),
                          nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(),
                          nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOM)
    perm = torch.randperm(N, generator=g)
    k = [0]

    def step():
        i = (k[0] % (N // B)) * B
        k[0] += 1
        idx = perm[i:i + B]
        loss = torch.nn.functional.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()
    return step


bench_common.run('W4', 'samples', B, build, {'layers': [784, 256, 256, 10], 'batchnorm': True, 'batch': B, 'sgd_lr': LR, 'momentum': MOM})
