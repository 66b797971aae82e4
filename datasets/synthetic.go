package datasets

import (
	"math"
	"math/rand/v2"
)

// Streams of the PCG generator, one per use, so that the draws of one do not shift another's.
const (
	streamSpirals  = 1
	streamHousing  = 2
	streamTeacherW = 3
	streamTeacherX = 4
)

// SpiralsNoise is the default angular noise of Spirals. At this level a linear softmax classifier
// stays below 60% accuracy (about 50%) while a small MLP separates the arms almost perfectly.
const SpiralsNoise = 0.2

// Spirals returns n points of three interleaved spiral arms in the plane, a 3-class
// classification task with Dim 2 (the cs231n example). Class k gets m = n/3 points (the first
// n mod 3 classes one more), and its i-th point, i = 0…m-1, is
//
//	r = i/(m-1)                                (0 when m = 1)
//	θ = 4k + 4·i/(m-1) + noise·ε,   ε ~ N(0, 1)
//	x = (r·sin θ, r·cos θ)
//
// Points are stored class by class; shuffle (Split, Epoch) before training. The same seed gives
// the same points. A negative noise is treated as 0.
func Spirals(n int, noise float64, seed uint64) Dataset {
	const classes = 3
	n = max(n, 0)
	noise = max(noise, 0)
	rng := rand.New(rand.NewPCG(seed, streamSpirals))
	x := make([]float64, 0, 2*n)
	labels := make([]int, 0, n)
	for k := 0; k < classes; k++ {
		m := n / classes
		if k < n%classes {
			m++
		}
		for i := 0; i < m; i++ {
			t := 0.0
			if m > 1 {
				t = float64(i) / float64(m-1)
			}
			theta := 4*float64(k) + 4*t + noise*rng.NormFloat64()
			x = append(x, t*math.Sin(theta), t*math.Cos(theta))
			labels = append(labels, k)
		}
	}
	t := &Table{
		info:       Info{Name: "spirals", Kind: Classification, Dim: 2, Classes: classes},
		x:          x,
		labels:     labels,
		classNames: []string{"arm0", "arm1", "arm2"},
	}
	return t
}

// HousingNoiseStd is the standard deviation of the Gaussian noise Housing adds to prices; its
// square is the dataset's Info().NoiseVar, the lowest mean squared error a model can reach.
const HousingNoiseStd = 0.25

// HousingFeatures names the features of Housing, in column order.
var HousingFeatures = []string{"area", "rooms", "age", "distance"}

// HousingPrice is the noise-free price formula of Housing, in units of 100 000, for one row of
// features x = (area, rooms, age, distance), each scaled to [0, 1]:
//
//	price = 1 + 3·area + 0.5·rooms − age + 0.8·age² + 2·exp(−3·distance) + 1.5·area·(1 − distance)
//
// Bigger and more central houses cost more; price falls with age but old houses regain some
// value; the premium for area is largest in the centre.
func HousingPrice(x []float64) float64 {
	area, rooms, age, dist := x[0], x[1], x[2], x[3]
	return 1 + 3*area + 0.5*rooms - age + 0.8*age*age + 2*math.Exp(-3*dist) + 1.5*area*(1-dist)
}

// Housing returns n houses of a price-regression task (Dim 4, YDim 1). The features are already
// scaled to [0, 1] and are not standardised:
//
//	area     = a,                a ~ U(0, 1)      (50 + 200·a square metres)
//	rooms    = (R − 1)/5,        R = clamp(round(1 + 5·a + U(−1, 1)), 1, 6) rooms, so it follows area
//	age      = g,                g ~ U(0, 1)      (100·g years)
//	distance = d,                d ~ U(0, 1)      (30·d km to the centre)
//
// and the target is HousingPrice(x) + HousingNoiseStd·ε with ε ~ N(0, 1), so Info().NoiseVar is
// HousingNoiseStd². The same seed gives the same houses.
func Housing(n int, seed uint64) Dataset {
	const dim = 4
	n = max(n, 0)
	rng := rand.New(rand.NewPCG(seed, streamHousing))
	x := make([]float64, 0, n*dim)
	y := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		a := rng.Float64()
		rooms := math.Round(1 + 5*a + (2*rng.Float64() - 1))
		rooms = min(max(rooms, 1), 6)
		g := rng.Float64()
		d := rng.Float64()
		row := []float64{a, (rooms - 1) / 5, g, d}
		x = append(x, row...)
		y = append(y, HousingPrice(row)+HousingNoiseStd*rng.NormFloat64())
	}
	return newRegressionTable("housing", x, dim, y, 1, HousingNoiseStd*HousingNoiseStd)
}

// Teacher returns n examples of an MNIST-shaped classification task: inputs x ~ N(0, I) of
// dimension dim, labelled by a random linear teacher, label = argmax_c (x·W)_c with W a dim×classes
// matrix of N(0, 1) entries. The teacher depends only on seed, dim and classes, and the inputs are
// drawn from their own stream, so Teacher(m, …) is the first m examples of Teacher(n, …) for
// m ≤ n. A linear model can fit it perfectly; it stands in for MNIST (dim 784, 10 classes) in
// speed benchmarks. dim and classes below 1 are treated as 1.
func Teacher(n, dim, classes int, seed uint64) Dataset {
	n, dim, classes = max(n, 0), max(dim, 1), max(classes, 1)
	wr := rand.New(rand.NewPCG(seed, streamTeacherW))
	w := make([]float64, dim*classes)
	for i := range w {
		w[i] = wr.NormFloat64()
	}
	xr := rand.New(rand.NewPCG(seed, streamTeacherX))
	x := make([]float64, n*dim)
	labels := make([]int, n)
	scores := make([]float64, classes)
	for i := 0; i < n; i++ {
		row := x[i*dim : (i+1)*dim]
		for j := range row {
			row[j] = xr.NormFloat64()
		}
		clear(scores)
		for j, v := range row {
			wj := w[j*classes : (j+1)*classes]
			for c := range scores {
				scores[c] += v * wj[c]
			}
		}
		best := 0
		for c, s := range scores {
			if s > scores[best] {
				best = c
			}
		}
		labels[i] = best
	}
	return &Table{
		info:   Info{Name: "teacher", Kind: Classification, Dim: dim, Classes: classes},
		x:      x,
		labels: labels,
	}
}
