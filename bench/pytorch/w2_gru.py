"""W2-gru: character LM on the Opticks text, 1-layer nn.GRU (embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5)."""
import bench_common

build, per_step, config = bench_common.char_lm('gru')
bench_common.run('W2-gru', 'tokens', per_step, build, config)
