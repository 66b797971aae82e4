package datasets

import (
	"math"
	"slices"
	"testing"
)

// fitSoftmax fits a linear softmax classifier (weights and bias) to every example of ds by
// full-batch gradient descent and returns its training accuracy.
func fitSoftmax(ds Dataset, iters int, lr float64) float64 {
	b := All(ds)
	d, k, n := b.Dim, ds.Info().Classes, b.N
	w := make([]float64, (d+1)*k) // last row is the bias
	p := make([]float64, n*k)
	grad := make([]float64, len(w))
	scores := func(i int, out []float64) {
		for c := 0; c < k; c++ {
			s := w[d*k+c]
			for j := 0; j < d; j++ {
				s += b.X[i*d+j] * w[j*k+c]
			}
			out[c] = s
		}
	}
	for it := 0; it < iters; it++ {
		clear(grad)
		for i := 0; i < n; i++ {
			pi := p[i*k : (i+1)*k]
			scores(i, pi)
			m := slices.Max(pi)
			z := 0.0
			for c := range pi {
				pi[c] = math.Exp(pi[c] - m)
				z += pi[c]
			}
			for c := range pi {
				g := pi[c] / z
				if c == b.Labels[i] {
					g--
				}
				for j := 0; j < d; j++ {
					grad[j*k+c] += b.X[i*d+j] * g
				}
				grad[d*k+c] += g
			}
		}
		for i := range w {
			w[i] -= lr * grad[i] / float64(n)
		}
	}
	correct := 0
	s := make([]float64, k)
	for i := 0; i < n; i++ {
		scores(i, s)
		if slices.Index(s, slices.Max(s)) == b.Labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(n)
}

func TestSpiralsShapeAndFormula(t *testing.T) {
	ds := Spirals(301, 0, 1)
	info := ds.Info()
	if info.Kind != Classification || info.Dim != 2 || info.Classes != 3 || ds.Len() != 301 {
		t.Fatalf("info %+v, len %d", info, ds.Len())
	}
	b := All(ds)
	counts := make([]int, 3)
	for _, l := range b.Labels {
		counts[l]++
	}
	if !slices.Equal(counts, []int{101, 100, 100}) {
		t.Errorf("class counts %v, want [101 100 100]", counts)
	}
	// Without noise, point i of class 1 (m = 100) lies at r = i/99, θ = 4 + 4i/99.
	i := 101 + 33
	r, th := 33.0/99, 4+4*33.0/99
	if gx, gy := b.X[2*i], b.X[2*i+1]; math.Abs(gx-r*math.Sin(th)) > 1e-12 || math.Abs(gy-r*math.Cos(th)) > 1e-12 {
		t.Errorf("point %d = (%v, %v), want (%v, %v)", i, gx, gy, r*math.Sin(th), r*math.Cos(th))
	}
	// Every point lies in the unit disc, whatever the noise.
	noisy := All(Spirals(300, SpiralsNoise, 2))
	for j := 0; j < noisy.N; j++ {
		if math.Hypot(noisy.X[2*j], noisy.X[2*j+1]) > 1+1e-12 {
			t.Fatalf("point %d outside the unit disc", j)
		}
	}
}

func TestSpiralsSeeded(t *testing.T) {
	a, b, c := All(Spirals(90, SpiralsNoise, 7)), All(Spirals(90, SpiralsNoise, 7)), All(Spirals(90, SpiralsNoise, 8))
	if !slices.Equal(a.X, b.X) {
		t.Error("same seed, different points")
	}
	if slices.Equal(a.X, c.X) {
		t.Error("different seeds, same points")
	}
}

// TestSpiralsLinearFails checks the default noise makes the task non-linear: the best linear
// softmax classifier stays below 60% accuracy.
func TestSpiralsLinearFails(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		acc := fitSoftmax(Spirals(300, SpiralsNoise, seed), 300, 1.0)
		t.Logf("seed %d: linear accuracy %.3f", seed, acc)
		if acc >= 0.60 {
			t.Errorf("seed %d: linear classifier reaches %.3f on spirals, want < 0.60", seed, acc)
		}
		if acc < 0.40 {
			t.Errorf("seed %d: linear classifier only reaches %.3f; the fit is broken", seed, acc)
		}
	}
}

func TestHousingNoiseFloor(t *testing.T) {
	const n = 100000
	ds := Housing(n, 3)
	info := ds.Info()
	if info.Kind != Regression || info.Dim != 4 || info.YDim != 1 || info.NoiseVar != HousingNoiseStd*HousingNoiseStd {
		t.Fatalf("info %+v", info)
	}
	b := All(ds)
	mse := 0.0
	for i := 0; i < n; i++ {
		x := b.X[4*i : 4*i+4]
		for j, v := range x {
			if v < 0 || v > 1 {
				t.Fatalf("row %d feature %s = %v, outside [0, 1]", i, HousingFeatures[j], v)
			}
		}
		e := b.Y[i] - HousingPrice(x)
		mse += e * e
	}
	mse /= n
	if rel := math.Abs(mse/info.NoiseVar - 1); rel > 0.03 {
		t.Errorf("MSE of the true formula %.5f, NoiseVar %.5f: %.1f%% apart", mse, info.NoiseVar, 100*rel)
	}
	// The features carry signal: the targets vary far more than the noise.
	mean, vy := 0.0, 0.0
	for _, y := range b.Y {
		mean += y
	}
	mean /= n
	for _, y := range b.Y {
		vy += (y - mean) * (y - mean)
	}
	vy /= n
	if vy < 10*info.NoiseVar {
		t.Errorf("target variance %.3f is not well above the noise %.3f", vy, info.NoiseVar)
	}
	// Rooms follow area: within one room of 1 + 5·area before clamping, and in 1…6.
	for i := 0; i < 1000; i++ {
		area, rooms := b.X[4*i], 1+5*b.X[4*i+1]
		if rooms < 1 || rooms > 6 || math.Abs(rooms-math.Round(rooms)) > 1e-9 {
			t.Fatalf("row %d: %v rooms", i, rooms)
		}
		if lo, hi := math.Max(1, math.Round(5*area)), math.Min(6, math.Round(2+5*area)); rooms < lo || rooms > hi {
			t.Fatalf("row %d: area %.3f gives %v rooms, want %v…%v", i, area, rooms, lo, hi)
		}
	}
	if r := All(Housing(5, 3)).X; !slices.Equal(r, b.X[:20]) {
		t.Error("Housing(5) is not the start of Housing(n) for the same seed")
	}
}

func TestHousingPriceHandValue(t *testing.T) {
	// 1 + 3·0.5 + 0.5·0.4 − 0.5 + 0.8·0.25 + 2·e^0 + 1.5·0.5·1 = 5.15
	if got := HousingPrice([]float64{0.5, 0.4, 0.5, 0}); math.Abs(got-5.15) > 1e-12 {
		t.Errorf("HousingPrice = %v, want 5.15", got)
	}
}

func TestTeacher(t *testing.T) {
	ds := Teacher(2000, 6, 4, 11)
	info := ds.Info()
	if info.Dim != 6 || info.Classes != 4 || ds.Len() != 2000 || info.Kind != Classification {
		t.Fatalf("info %+v len %d", info, ds.Len())
	}
	b := All(ds)
	counts := make([]int, 4)
	for _, l := range b.Labels {
		counts[l]++
	}
	for c, k := range counts {
		if k < 2000/4/4 {
			t.Errorf("class %d has only %d examples: %v", c, k, counts)
		}
	}
	small := All(Teacher(100, 6, 4, 11))
	if !slices.Equal(small.X, b.X[:600]) || !slices.Equal(small.Labels, b.Labels[:100]) {
		t.Error("Teacher(100) is not the start of Teacher(2000)")
	}
	if slices.Equal(All(Teacher(100, 6, 4, 12)).Labels, small.Labels) {
		t.Error("different seeds, same labels")
	}
	// The labels come from a linear rule, so a linear classifier fits them well.
	if acc := fitSoftmax(Subset(ds, seq(500)), 300, 1.0); acc < 0.9 {
		t.Errorf("linear classifier reaches only %.3f on teacher data", acc)
	}
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
