"""W2-rnn: character LM on the Opticks text, 1-layer nn.RNN (embed 64, hidden 256, BPTT 64, batch 32, Adam 2e-3, clip 5)."""
import bench_common

build, per_step, config = bench_common.char_lm('rnn')
bench_common.run('W2-rnn', 'tokens', per_step, build, config)
