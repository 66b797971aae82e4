package datasets

import (
	"math"
	"reflect"
	"testing"
)

func TestAddingStructure(t *testing.T) {
	const T = 9 // halves: steps 0…3 and 4…8
	a, err := Adding(500, T, 3)
	if err != nil {
		t.Fatal(err)
	}
	if info := a.Info(); info.Kind != Regression || info.T != T || info.Dim != 2 || info.YDim != 1 {
		t.Fatalf("info %+v", info)
	}
	b := All(a)
	if b.N != 500 || len(b.X) != 500*T*2 || len(b.Y) != 500 || b.T != T || b.Dim != 2 {
		t.Fatalf("batch N %d, %d values, %d targets, T %d, Dim %d", b.N, len(b.X), len(b.Y), b.T, b.Dim)
	}
	firstSeen, secondSeen := map[int]bool{}, map[int]bool{}
	for n := 0; n < b.N; n++ {
		var marked []int
		for s := 0; s < T; s++ {
			v, m := b.X[(n*T+s)*2], b.X[(n*T+s)*2+1]
			if v < 0 || v >= 1 {
				t.Fatalf("example %d step %d: value %v outside [0, 1)", n, s, v)
			}
			switch m {
			case 1:
				marked = append(marked, s)
			case 0:
			default:
				t.Fatalf("example %d step %d: marker %v", n, s, m)
			}
		}
		if len(marked) != 2 || marked[0] >= T/2 || marked[1] < T/2 {
			t.Fatalf("example %d: markers at %v; want one in 0…3 and one in 4…8", n, marked)
		}
		firstSeen[marked[0]], secondSeen[marked[1]] = true, true
		if want := b.X[(n*T+marked[0])*2] + b.X[(n*T+marked[1])*2]; b.Y[n] != want {
			t.Fatalf("example %d: target %v, want %v", n, b.Y[n], want)
		}
	}
	if len(firstSeen) != 4 || len(secondSeen) != 5 {
		t.Errorf("marker positions used: first %v, second %v; want all of each half", firstSeen, secondSeen)
	}
	// Example i does not depend on what else is in the batch.
	one := a.Batch([]int{123})
	if !reflect.DeepEqual(one.X, b.X[123*T*2:124*T*2]) || one.Y[0] != b.Y[123] {
		t.Error("example 123 alone differs from example 123 in the full batch")
	}
	x, y := a.Example(123)
	if !reflect.DeepEqual(x, one.X) || y != one.Y[0] {
		t.Error("Example(123) differs from Batch([123])")
	}
	other, _ := Adding(500, T, 4)
	if reflect.DeepEqual(All(other).X, b.X) {
		t.Error("different seeds, same data")
	}
	if _, err := Adding(10, 1, 1); err == nil {
		t.Error("T = 1: no error")
	}
}

// TestAddingBaseline checks that predicting 1 scores 1/6 (≈ 0.167) within sampling error
// (standard error 0.0004 at this n).
func TestAddingBaseline(t *testing.T) {
	a, _ := Adding(200000, 4, 11)
	b := All(a)
	mse := 0.0
	for _, y := range b.Y {
		mse += (y - 1) * (y - 1)
	}
	mse /= float64(b.N)
	if math.Abs(mse-AddingBaselineMSE) > 0.002 {
		t.Errorf("MSE of predicting 1: %.4f, want %.4f", mse, AddingBaselineMSE)
	}
}

func TestCopyMemory(t *testing.T) {
	const S, T = 3, 5 // 11 steps
	c, err := CopyMemory(2000, S, T, 1)
	if err != nil {
		t.Fatal(err)
	}
	info := c.Info()
	if info.T != T+2*S || info.Classes != 9 || info.Vocab.Size() != 10 || info.TgtVocab.Size() != 9 || info.Kind != Sequence {
		t.Fatalf("info %+v", info)
	}
	b := All(c)
	L := T + 2*S
	counts := make([]int, 10)
	// Cross-entropy of the memoryless strategy, computed step by step from the batch.
	loss := 0.0
	for n := 0; n < b.N; n++ {
		in, out := b.Tokens[n*L:(n+1)*L], b.Targets[n*L:(n+1)*L]
		for s := 0; s < L; s++ {
			switch {
			case s < S:
				if in[s] < 1 || in[s] > 8 {
					t.Fatalf("example %d step %d: input %d is not a symbol", n, s, in[s])
				}
				counts[in[s]]++
			case s == S+T-1:
				if in[s] != CopyDelimiter {
					t.Fatalf("example %d: no delimiter at step %d: %v", n, s, in)
				}
			default:
				if in[s] != CopyBlank {
					t.Fatalf("example %d step %d: input %d, want blank", n, s, in[s])
				}
			}
			if s < T+S {
				if out[s] != CopyBlank {
					t.Fatalf("example %d step %d: target %d, want blank", n, s, out[s])
				}
				// p(blank) = 1: no loss.
			} else {
				if out[s] != in[s-T-S] {
					t.Fatalf("example %d: targets %v do not repeat inputs %v", n, out, in)
				}
				loss += math.Log(8)
			}
		}
	}
	loss /= float64(b.N * L)
	if want := CopyBaseline(S, T); math.Abs(loss-want) > 1e-12 || math.Abs(want-3*math.Log(8)/11) > 1e-12 {
		t.Errorf("memoryless loss %v, CopyBaseline %v, want 3·ln 8/11 = %v", loss, want, 3*math.Log(8)/11)
	}
	for a := 1; a <= 8; a++ {
		if counts[a] < 600 || counts[a] > 900 { // 6000 draws, 750 expected
			t.Errorf("symbol %d drawn %d times of 6000", a, counts[a])
		}
	}
	if math.Abs(CopyBaseline(10, 100)-10*math.Log(8)/120) > 1e-15 {
		t.Error("CopyBaseline(10, 100) is not 10·ln 8/120")
	}
	if _, err := CopyMemory(1, 0, 5, 1); err == nil {
		t.Error("S = 0: no error")
	}
	if _, err := CopyMemory(1, 3, 0, 1); err == nil {
		t.Error("T = 0: no error")
	}
}

func TestRunningParity(t *testing.T) {
	p, err := RunningParity(400, 16, 5)
	if err != nil {
		t.Fatal(err)
	}
	b := All(p)
	ones := 0
	for n := 0; n < b.N; n++ {
		sum := 0
		for s := 0; s < 16; s++ {
			x := b.Tokens[n*16+s]
			if x != 0 && x != 1 {
				t.Fatalf("input %d", x)
			}
			sum += x
			ones += x
			if b.Targets[n*16+s] != sum%2 {
				t.Fatalf("example %d step %d: label %d, want %d", n, s, b.Targets[n*16+s], sum%2)
			}
		}
	}
	if frac := float64(ones) / 6400; frac < 0.47 || frac > 0.53 {
		t.Errorf("share of ones %.3f, want about 1/2", frac)
	}
	if p.Info().Classes != 2 || p.Info().TgtVocab.Symbol(1) != "odd" {
		t.Errorf("info %+v", p.Info())
	}
	if _, err := RunningParity(1, 0, 1); err == nil {
		t.Error("T = 0: no error")
	}
}
