package blas

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans}

// gemmCase is one product to check.
type gemmCase struct {
	tA, tB        blas.Transpose
	m, n, k       int
	lda, ldb, ldc int
	alpha, beta   float64
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%c tB=%c m=%d n=%d k=%d lda=%d ldb=%d ldc=%d alpha=%g beta=%g",
		g.tA, g.tB, g.m, g.n, g.k, g.lda, g.ldb, g.ldc, g.alpha, g.beta)
}

// dims returns the rows and columns of the stored A and B.
func (g gemmCase) dims() (ar, ac, br, bc int) {
	ar, ac = g.m, g.k
	if g.tA == blas.Trans {
		ar, ac = g.k, g.m
	}
	br, bc = g.k, g.n
	if g.tB == blas.Trans {
		br, bc = g.n, g.k
	}
	return
}

// withKernels runs f once for every kernel set this CPU supports, with that set active and
// every product, however small, going through it.
func withKernels(t *testing.T, f func(t *testing.T)) {
	saved, savedTiny := active, tinyProduct
	defer func() { active, tinyProduct = saved, savedTiny }()
	tinyProduct = 0
	for _, ks := range available() {
		active = ks
		t.Run(ks.name, f)
	}
	// And once as installed: the tiny products through gonum.
	active, tinyProduct = saved, savedTiny
	t.Run("default", f)
}

// randomCase draws a product: most sizes in 1…40, some up to 300 (primes among them), leading
// dimensions sometimes wider than the matrix, alpha and beta among 0, 1 and other values.
func randomCase(rng *rand.Rand, tA, tB blas.Transpose) gemmCase {
	size := func() int {
		switch r := rng.Intn(10); {
		case r < 6:
			return 1 + rng.Intn(40)
		case r < 8:
			primes := []int{41, 43, 47, 53, 61, 67, 97, 101, 127, 131, 193, 251, 257, 263, 293}
			return primes[rng.Intn(len(primes))]
		default:
			return 41 + rng.Intn(260)
		}
	}
	scalars := []float64{0, 1, -1, 0.5, 1.7}
	g := gemmCase{tA: tA, tB: tB, m: size(), n: size(), k: size()}
	if rng.Intn(8) == 0 {
		g.k = 257 + rng.Intn(700) // more than one depth block
	}
	g.alpha = scalars[rng.Intn(len(scalars))]
	g.beta = scalars[rng.Intn(len(scalars))]
	_, ac, _, bc := g.dims()
	pad := func(w int) int {
		if rng.Intn(3) == 0 {
			return w + 1 + rng.Intn(7)
		}
		return w
	}
	g.lda, g.ldb, g.ldc = pad(ac), pad(bc), pad(g.n)
	return g
}

// checkCase runs the case through Implementation and gonum in float32 and float64 and compares.
func checkCase(t *testing.T, rng *rand.Rand, g gemmCase) {
	t.Helper()
	ar, _, br, _ := g.dims()
	aLen := (ar-1)*g.lda + g.lda
	bLen := (br-1)*g.ldb + g.ldb
	cLen := (g.m-1)*g.ldc + g.ldc
	a64, b64, c64 := randSlice(rng, aLen), randSlice(rng, bLen), randSlice(rng, cLen)
	if g.beta == 0 {
		for i := range c64 {
			c64[i] = math.NaN()
		}
	}
	a32, b32, c32 := to32(a64), to32(b64), to32(c64)

	// Scale of each element of C: |alpha|·Σ|a||b| + |beta||c|.
	absA, absB := abs(a64), abs(b64)
	scaleC := make([]float64, cLen)
	gonum.Implementation{}.Dgemm(g.tA, g.tB, g.m, g.n, g.k, math.Abs(g.alpha), absA, g.lda, absB, g.ldb, 0, scaleC, g.ldc)
	if g.beta != 0 {
		for i := range scaleC {
			scaleC[i] += math.Abs(g.beta * c64[i])
		}
	}

	want64 := append([]float64(nil), c64...)
	gonum.Implementation{}.Dgemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, a64, g.lda, b64, g.ldb, g.beta, want64, g.ldc)
	got64 := append([]float64(nil), c64...)
	Implementation{}.Dgemm(g.tA, g.tB, g.m, g.n, g.k, g.alpha, a64, g.lda, b64, g.ldb, g.beta, got64, g.ldc)
	compare(t, g, "Dgemm", c64, want64, got64, scaleC, 1e-13)

	want32 := append([]float32(nil), c32...)
	gonum.Implementation{}.Sgemm(g.tA, g.tB, g.m, g.n, g.k, float32(g.alpha), a32, g.lda, b32, g.ldb, float32(g.beta), want32, g.ldc)
	got32 := append([]float32(nil), c32...)
	Implementation{}.Sgemm(g.tA, g.tB, g.m, g.n, g.k, float32(g.alpha), a32, g.lda, b32, g.ldb, float32(g.beta), got32, g.ldc)
	compare(t, g, "Sgemm", to64(c32), to64(want32), to64(got32), scaleC, 1e-5)
}

// compare checks got against want inside C (relative tol of the element's scale) and that the
// padding between rows (past column n) is untouched.
func compare(t *testing.T, g gemmCase, name string, c0, want, got, scale []float64, tol float64) {
	t.Helper()
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.ldc; j++ {
			idx := i*g.ldc + j
			if idx >= len(got) {
				break
			}
			if j >= g.n {
				if math.Float64bits(got[idx]) != math.Float64bits(c0[idx]) {
					t.Fatalf("%s %v: C[%d][%d] outside the matrix changed: %v → %v", name, g, i, j, c0[idx], got[idx])
				}
				continue
			}
			if math.IsNaN(got[idx]) || math.Abs(got[idx]-want[idx]) > tol*scale[idx]+1e-30 {
				t.Fatalf("%s %v [%s]: C[%d][%d] = %v, gonum %v (scale %v)", name, g, Kernel(), i, j, got[idx], want[idx], scale[idx])
			}
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64()*2 - 1
	}
	return s
}

func to32(s []float64) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(v)
	}
	return r
}

func to64(s []float32) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = float64(v)
	}
	return r
}

func abs(s []float64) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = math.Abs(v)
	}
	return r
}

// TestGemmSmall checks every transpose combination on every m, n in 1…20 (every third under the
// race detector) with k in a few values around the register blocks, for every kernel.
func TestGemmSmall(t *testing.T) {
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(1))
		for _, tA := range transposes {
			for _, tB := range transposes {
				step := 1
				if raceEnabled {
					step = 3
				}
				for m := 1; m <= 20; m += step {
					for n := 1; n <= 20; n += step {
						k := []int{1, 2, 3, 7, 8, 13, 17}[rng.Intn(7)]
						g := gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, alpha: 1.5, beta: []float64{0, 1, -0.5}[rng.Intn(3)]}
						_, ac, _, bc := g.dims()
						g.lda, g.ldb, g.ldc = ac, bc, n
						checkCase(t, rng, g)
					}
				}
			}
		}
	})
}

// TestGemmRandom checks a seeded sample of products with sizes up to 300 and depths up to
// 956, leading dimensions wider than the matrices, and alpha, beta in {0, 1, others}.
func TestGemmRandom(t *testing.T) {
	cases := 60
	if testing.Short() || raceEnabled {
		cases = 15
	}
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(2))
		for _, tA := range transposes {
			for _, tB := range transposes {
				for i := 0; i < cases; i++ {
					checkCase(t, rng, randomCase(rng, tA, tB))
				}
			}
		}
	})
}

// TestGemmBlocks checks sizes at and around the cache blocks: more rows than one A block, more
// columns than one B block, more depth than one depth block.
func TestGemmBlocks(t *testing.T) {
	shapes := [][3]int{
		{mcBlock + 3, 37, 29}, {2*mcBlock + 1, 64, kcBlock + 1}, {3, ncBlock + 35, 5},
		{directMaxM, 67, 2*kcBlock + 3}, {directMaxM + 1, 67, 2*kcBlock + 3}, {32, 1024, 256},
	}
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(3))
		for _, s := range shapes {
			for _, tA := range transposes {
				for _, tB := range transposes {
					g := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], alpha: 0.7, beta: 0}
					_, ac, _, bc := g.dims()
					g.lda, g.ldb, g.ldc = ac+1, bc, s[1]+2
					checkCase(t, rng, g)
				}
			}
		}
	})
}

// TestParallelIsSerial checks that the product is bit-for-bit the same on 1, 2, 3 and 5
// goroutines, for every kernel and transpose combination.
func TestParallelIsSerial(t *testing.T) {
	savedMin, savedW := parallelMinFlops, maxWorkers
	defer func() { parallelMinFlops, maxWorkers = savedMin, savedW }()
	parallelMinFlops = 0
	shapes := [][3]int{{37, 301, 70}, {301, 37, 270}, {64, 96, 300}, {150, 150, 33}}
	withKernels(t, func(t *testing.T) {
		rng := rand.New(rand.NewSource(4))
		for _, s := range shapes {
			for _, tA := range transposes {
				for _, tB := range transposes {
					g := gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], lda: 0}
					ar, ac, br, bc := g.dims()
					a, b := to32(randSlice(rng, ar*ac)), to32(randSlice(rng, br*bc))
					c0 := to32(randSlice(rng, s[0]*s[1]))
					var ref []float32
					var ref64 []float64
					for _, w := range []int{1, 2, 3, 5} {
						maxWorkers = w
						c := append([]float32(nil), c0...)
						Implementation{}.Sgemm(tA, tB, s[0], s[1], s[2], 1.25, a, ac, b, bc, 0.5, c, s[1])
						c64 := to64(c0)
						Implementation{}.Dgemm(tA, tB, s[0], s[1], s[2], 1.25, to64(a), ac, to64(b), bc, 0.5, c64, s[1])
						if ref == nil {
							ref, ref64 = c, c64
							continue
						}
						for i := range c {
							if math.Float32bits(c[i]) != math.Float32bits(ref[i]) || math.Float64bits(c64[i]) != math.Float64bits(ref64[i]) {
								t.Fatalf("%v %c%c: %d goroutines differ from 1 at %d: %v vs %v", s, tA, tB, w, i, c[i], ref[i])
							}
						}
					}
				}
			}
		}
	})
}

// TestPanics checks that bad arguments panic with gonum's messages.
func TestPanics(t *testing.T) {
	a, b, c := make([]float32, 100), make([]float32, 100), make([]float32, 100)
	cases := []struct {
		name                   string
		tA, tB                 blas.Transpose
		m, n, k, lda, ldb, ldc int
		a, b, c                []float32
	}{
		{"bad tA", 'x', blas.NoTrans, 2, 2, 2, 2, 2, 2, a, b, c},
		{"bad tB", blas.NoTrans, 'x', 2, 2, 2, 2, 2, 2, a, b, c},
		{"m<0", blas.NoTrans, blas.NoTrans, -1, 2, 2, 2, 2, 2, a, b, c},
		{"n<0", blas.NoTrans, blas.NoTrans, 2, -1, 2, 2, 2, 2, a, b, c},
		{"k<0", blas.NoTrans, blas.NoTrans, 2, 2, -1, 2, 2, 2, a, b, c},
		{"lda", blas.NoTrans, blas.NoTrans, 2, 2, 3, 2, 2, 2, a, b, c},
		{"lda T", blas.Trans, blas.NoTrans, 3, 2, 2, 2, 2, 2, a, b, c},
		{"ldb", blas.NoTrans, blas.NoTrans, 2, 3, 2, 2, 2, 3, a, b, c},
		{"ldb T", blas.NoTrans, blas.Trans, 2, 2, 3, 3, 2, 2, a, b, c},
		{"ldc", blas.NoTrans, blas.NoTrans, 2, 3, 2, 2, 3, 2, a, b, c},
		{"short a", blas.NoTrans, blas.NoTrans, 11, 2, 10, 10, 2, 2, a, b, c},
		{"short b", blas.NoTrans, blas.NoTrans, 2, 10, 11, 11, 10, 10, a, b, c},
		{"short c", blas.NoTrans, blas.NoTrans, 11, 10, 2, 2, 10, 10, a, b, c},
		{"short c ldc", blas.NoTrans, blas.NoTrans, 10, 2, 2, 2, 2, 11, a, b, c},
	}
	for _, tc := range cases {
		want := catch(func() {
			gonum.Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 0, tc.c, tc.ldc)
		})
		got := catch(func() {
			Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 0, tc.c, tc.ldc)
		})
		got64 := catch(func() {
			Implementation{}.Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 1, to64(tc.a), tc.lda, to64(tc.b), tc.ldb, 0, to64(tc.c), tc.ldc)
		})
		if want == nil || got != want || got64 != want {
			t.Errorf("%s: gonum panics with %v, Sgemm with %v, Dgemm with %v", tc.name, want, got, got64)
		}
	}
}

func catch(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// TestZeroSizes checks the quick returns: empty products, k = 0 and alpha = 0 scale C by beta
// only.
func TestZeroSizes(t *testing.T) {
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 0, 0, 0, 1, nil, 1, nil, 1, 0, nil, 1)
	c := []float32{1, 2, 3, 4}
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 0, 1, make([]float32, 2), 1, nil, 2, 3, c, 2)
	if c[0] != 3 || c[3] != 12 {
		t.Errorf("k = 0, beta = 3: C = %v, want 3·C", c)
	}
	c = []float32{float32(math.NaN()), 2, 3, 4}
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 2, 2, 0, make([]float32, 4), 2, make([]float32, 4), 2, 0, c, 2)
	for _, v := range c {
		if v != 0 {
			t.Errorf("alpha = beta = 0: C = %v, want zeros", c)
		}
	}
}

// TestKernel checks that the kernel named is one this CPU runs and that each can be selected.
func TestKernel(t *testing.T) {
	saved := active
	defer func() { active = saved }()
	for _, ks := range available() {
		if !setKernel(ks.name) || Kernel() != ks.name {
			t.Errorf("setKernel(%q) did not select it", ks.name)
		}
	}
	if setKernel("no such kernel") {
		t.Error("setKernel accepted an unknown name")
	}
}

// TestAltKernelSameBits checks the claim that lets gemm pick a kernel by the number of rows:
// a kernel and each alternative of fewer rows in its chain compute every element of C bit for
// bit alike.
func TestAltKernelSameBits(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	for _, ks := range available() {
		kn := ks.s
		for alt := kn.alt; alt != nil; alt = alt.alt {
			testAltSameBits(t, rng, ks.name, kn, alt)
		}
	}
}

func testAltSameBits(t *testing.T, rng *rand.Rand, name string, kn, alt *kernel[float32]) {
	t.Helper()
	for _, s := range [][3]int{{32, 100, 300}, {37, 64, 17}, {5, 33, 513}, {1, 1024, 320}, {1, 93, 256}, {2, 300, 1100}} {
		m, n, k := s[0], s[1], s[2]
		for _, aT := range []bool{false, true} {
			a, b := to32(randSlice(rng, m*k)), to32(randSlice(rng, k*n))
			c0 := to32(randSlice(rng, m*n))
			lda := k
			if aT {
				lda = m
			}
			c1, c2 := append([]float32(nil), c0...), append([]float32(nil), c0...)
			gemmSerial(kn, aT, false, m, n, k, 0.75, a, lda, b, n, 1.5, c1, n)
			gemmSerial(alt, aT, false, m, n, k, 0.75, a, lda, b, n, 1.5, c2, n)
			for i := range c1 {
				if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
					t.Fatalf("%s %v aT=%v: %d×%d and %d×%d kernels differ at %d: %v, %v", name, s, aT, kn.mr, kn.nr, alt.mr, alt.nr, i, c1[i], c2[i])
				}
			}
		}
	}
}
