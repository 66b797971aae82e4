"""W1: character LM on the Opticks text, 1-layer nn.LSTM (embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5)."""
import bench_common

build, per_step, config = bench_common.char_lm('lstm')
bench_common.run('W1', 'tokens', per_step, build, config)
