// Command asm generates the amd64 assembly of package vecmath: the float32 loops in an AVX2+FMA
// form (8 lanes, YMM registers 0–15 only, so that it runs on processors without AVX-512) and an
// AVX-512 form (16 lanes). Run it through go generate in the parent directory:
//
//	go generate ./internal/vecmath
//
// Every function processes only the whole vectors of its slices (len rounded down to 8 or 16
// lanes); the Go wrappers in package vecmath handle the remaining elements.
//
// The approximations, shared by both forms:
//
//	exp(x):  x clamped to [−104, 89] (NaN kept); n = round(x·log2 e); r = x − n·ln2_hi − n·ln2_lo
//	         (|r| ≤ ln2/2, exact first step under FMA); e^r by the degree-7 Horner polynomial of
//	         Cephes' expf; then ·2^n in two exact steps 2^⌊n/2⌋·2^(n−⌊n/2⌋) (AVX2) or by VSCALEFPS
//	         (AVX-512), so that overflow gives +Inf and denormal results are rounded once.
//	sigmoid: e = exp(−|x|) ∈ (0, 1]; σ(x) = 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0 (no overflow, no
//	         cancellation, full relative accuracy for tiny results).
//	tanh:    |x| < 0.625: x + x³·P(x²) (the odd polynomial of Cephes' tanhf, exact in sign and at 0);
//	         otherwise sign(x)·(1 − 2e/(1+e)) with e = exp(−2|x|), which saturates to ±1.
package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Constants, each replicated over 64 bytes so that a YMM or ZMM memory operand reads it.
var constNames = []struct {
	name string
	bits uint32
}{
	{"one", f32(1)},
	{"log2e", f32(math.Log2E)},
	{"ln2hi", f32(0.693145751953125)},
	{"ln2lo", f32(1.428606765330187045e-06)},
	{"explo", f32(-104)},
	{"exphi", f32(89)},
	{"p0", f32(1.9875691500e-4)},
	{"p1", f32(1.3981999507e-3)},
	{"p2", f32(8.3334519073e-3)},
	{"p3", f32(4.1665795894e-2)},
	{"p4", f32(1.6666665459e-1)},
	{"p5", f32(5.0000001201e-1)},
	{"bias", 127},
	{"sign", 0x80000000},
	{"abs", 0x7fffffff},
	{"minus2", f32(-2)},
	{"tanhthr", f32(0.625)},
	{"t0", f32(-5.70498872745e-3)},
	{"t1", f32(2.06390887954e-2)},
	{"t2", f32(-5.37397155531e-2)},
	{"t3", f32(1.33314422036e-1)},
	{"t4", f32(-3.33332819422e-1)},
	{"nan", 0x7fc00000},
}

// text starts a function whose slices and pointers do not escape, so that callers may pass
// stack buffers.
func text(name, sig string) {
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
}

func f32(v float64) uint32 { return math.Float32bits(float32(v)) }

var mem = map[string]Mem{}

func defineConsts() {
	for _, c := range constNames {
		m := GLOBL("vm_"+c.name, RODATA|NOPTR)
		for i := 0; i < 16; i++ {
			DATA(4*i, U32(c.bits))
		}
		mem[c.name] = m
	}
}

// isa is one instruction set: its width and the instructions that differ.
type isa struct {
	name   string // suffix of the function names
	w      int    // lanes
	avx512 bool
	regs   map[string]VecVirtual // constants preloaded in registers in the current function
}

func (s *isa) vec() VecVirtual {
	if s.avx512 {
		return ZMM()
	}
	return YMM()
}

// preload loads constants into registers before a loop.
func (s *isa) preload(names ...string) {
	s.regs = map[string]VecVirtual{}
	for _, n := range names {
		v := s.vec()
		VMOVUPS(mem[n], v)
		s.regs[n] = v
	}
}

// c is a constant as an operand: its register when preloaded, else its memory.
func (s *isa) c(name string) Op {
	if v, ok := s.regs[name]; ok {
		return v
	}
	m, ok := mem[name]
	if !ok {
		panic("no constant " + name)
	}
	return m
}

// r is a constant that must be in a register.
func (s *isa) r(name string) VecVirtual {
	v, ok := s.regs[name]
	if !ok {
		panic(fmt.Sprintf("%s: constant %s not preloaded", s.name, name))
	}
	return v
}

func (s *isa) or(a, b, dst Op) {
	if s.avx512 {
		VPORD(a, b, dst)
	} else {
		VORPS(a, b, dst)
	}
}

func (s *isa) and(a, b, dst Op) {
	if s.avx512 {
		VPANDD(a, b, dst)
	} else {
		VANDPS(a, b, dst)
	}
}

// exp returns e^x; x is left unchanged.
func (s *isa) exp(x VecVirtual) VecVirtual {
	t := s.vec()
	VMAXPS(x, s.r("explo"), t) // max(lo, x), NaN in x kept (second source)
	VMINPS(t, s.r("exphi"), t) // min(hi, t), NaN in t kept
	n := s.vec()
	VMULPS(s.c("log2e"), t, n)
	if s.avx512 {
		VRNDSCALEPS(U8(0), n, n)
	} else {
		VROUNDPS(U8(0), n, n)
	}
	VFNMADD231PS(s.c("ln2hi"), n, t) // t = x − n·ln2_hi (exact)
	VFNMADD231PS(s.c("ln2lo"), n, t) // r
	p := s.vec()
	VMOVUPS(s.c("p0"), p)
	for _, k := range []string{"p1", "p2", "p3", "p4", "p5", "one", "one"} {
		VFMADD213PS(s.c(k), t, p) // p = p·r + c_k
	}
	if s.avx512 {
		VSCALEFPS(n, p, p)
		return p
	}
	ni := s.vec()
	VCVTPS2DQ(n, ni)
	n1 := s.vec()
	VPSRAD(U8(1), ni, n1)
	VPSUBD(n1, ni, ni) // n2 = n − n1
	VPADDD(s.c("bias"), n1, n1)
	VPSLLD(U8(23), n1, n1)
	VPADDD(s.c("bias"), ni, ni)
	VPSLLD(U8(23), ni, ni)
	VMULPS(n1, p, p)
	VMULPS(ni, p, p)
	return p
}

// sigmoid returns 1/(1+e^−x); x is left unchanged. (One correction step of the quotient with
// the exact denominator, q += (num − q·(1+e))/(1+e), brings the largest error from 2.4 to 1.4 ulp
// but costs 65% more time on AVX-512 and 25% on the LSTM step: not worth it for training.)
func (s *isa) sigmoid(x VecVirtual) VecVirtual {
	a := s.vec()
	s.or(s.c("sign"), x, a) // −|x|
	e := s.exp(a)
	d := s.vec()
	VADDPS(s.r("one"), e, d)
	num := s.vec()
	if s.avx512 {
		k := K()
		VCMPPS(U8(1), s.r("zero"), x, k) // x < 0
		VBLENDMPS(e, s.r("one"), k, num)
	} else {
		VBLENDVPS(x, e, s.r("one"), num) // sign of x ? e : 1
	}
	VDIVPS(d, num, num)
	return num
}

// tanh returns tanh(x); x is left unchanged. Both branches work on |x| and the sign of x is
// put back last, so that tanh(−0) = −0.
func (s *isa) tanh(x VecVirtual) VecVirtual {
	a := s.vec()
	s.and(s.c("abs"), x, a)
	m := s.vec()
	VMULPS(s.c("minus2"), a, m)
	e := s.exp(m)
	d := s.vec()
	VADDPS(s.r("one"), e, d)
	VADDPS(e, e, e)
	VDIVPS(d, e, e)          // 2e/(1+e)
	VSUBPS(e, s.r("one"), e) // large branch: 1 − 2e/(1+e)

	z := s.vec()
	VMULPS(a, a, z)
	p := s.vec()
	VMOVUPS(s.c("t0"), p)
	for _, k := range []string{"t1", "t2", "t3", "t4"} {
		VFMADD213PS(s.c(k), z, p)
	}
	VMULPS(a, z, z)      // |x|³
	VFMADD213PS(a, z, p) // small branch: |x| + |x|³·P(x²)

	if s.avx512 {
		k := K()
		VCMPPS(U8(1), s.c("tanhthr"), a, k) // |x| < 0.625
		VBLENDMPS(p, e, k, e)
	} else {
		VCMPPS(U8(1), s.c("tanhthr"), a, a)
		VBLENDVPS(a, p, e, e)
	}
	sg := s.vec()
	s.and(s.c("sign"), x, sg)
	s.or(sg, e, e)
	return e
}

// unary emits func(dst, x []float32) applying f to every whole vector.
func (s *isa) unary(name string, f func(VecVirtual) VecVirtual, consts ...string) {
	text(name+s.name, "func(dst, x []float32)")
	Doc(fmt.Sprintf("%s%s applies %s to the first len(dst)/%d·%d elements of x.", name, s.name, name, s.w, s.w))
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	s.preload(consts...)
	if s.avx512 {
		if _, ok := s.regs["zero"]; !ok {
			z := s.vec()
			VPXORD(z, z, z)
			s.regs["zero"] = z
		}
	}
	SHRQ(U8(log2(s.w)), n)
	JZ(LabelRef(name + s.name + "_done"))
	Label(name + s.name + "_loop")
	v := s.vec()
	VMOVUPS(Mem{Base: x}, v)
	r := f(v)
	VMOVUPS(r, Mem{Base: dst})
	ADDQ(U32(4*s.w), x)
	ADDQ(U32(4*s.w), dst)
	DECQ(n)
	JNZ(LabelRef(name + s.name + "_loop"))
	Label(name + s.name + "_done")
	VZEROUPPER()
	RET()
}

func log2(w int) int {
	if w == 16 {
		return 4
	}
	return 3
}

// stream emits a loop over the whole vectors of n elements: unroll vectors at a time, then one
// at a time. body(off) emits the work on the vector at byte offset off from every pointer.
func (s *isa) stream(name string, n Register, ptrs []Register, unroll int, body func(off int)) {
	vb := 4 * s.w
	// n: elements → whole vectors
	SHRQ(U8(log2(s.w)), n)
	Label(name + "_big")
	CMPQ(n, U32(unroll))
	JB(LabelRef(name + "_one"))
	for u := 0; u < unroll; u++ {
		body(u * vb)
	}
	for _, p := range ptrs {
		ADDQ(U32(unroll*vb), p)
	}
	SUBQ(U32(unroll), n)
	JMP(LabelRef(name + "_big"))
	Label(name + "_one")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	body(0)
	for _, p := range ptrs {
		ADDQ(U32(vb), p)
	}
	DECQ(n)
	JMP(LabelRef(name + "_one"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func (s *isa) add() {
	name := "add" + s.name
	text(name, "func(dst, x []float32)")
	Doc(name + " adds x to dst over the whole vectors of dst.")
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	s.stream(name, n, []Register{dst, x}, 4, func(off int) {
		v := vs[off/(4*s.w)]
		VMOVUPS(Mem{Base: dst, Disp: off}, v)
		VADDPS(Mem{Base: x, Disp: off}, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: off})
	})
}

func (s *isa) mul() {
	name := "mul" + s.name
	text(name, "func(dst, a, b []float32)")
	Doc(name + " sets dst = a∘b over the whole vectors of dst.")
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	s.stream(name, n, []Register{dst, a, b}, 4, func(off int) {
		v := vs[off/(4*s.w)]
		VMOVUPS(Mem{Base: a, Disp: off}, v)
		VMULPS(Mem{Base: b, Disp: off}, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: off})
	})
}

// actBackward emits func(dx, y, dy []float32): the gradient through tanh (dx = dy∘(1 − y²)) or
// the sigmoid (dx = dy∘y∘(1 − y)) from the activation's output y, over the whole vectors of dx.
func (s *isa) actBackward(act string) {
	name := act + "Backward" + s.name
	text(name, "func(dx, y, dy []float32)")
	Doc(name + " sets dx to the gradient through " + act + " from its output y and the gradient dy, over the whole vectors of dx.")
	dx := Load(Param("dx").Base(), GP64())
	n := Load(Param("dx").Len(), GP64())
	y := Load(Param("y").Base(), GP64())
	dy := Load(Param("dy").Base(), GP64())
	s.preload("one")
	s.stream(name, n, []Register{dx, y, dy}, 2, func(off int) {
		v := s.loadv(Mem{Base: y, Disp: off})
		var g VecVirtual
		if act == "tanh" {
			g = s.oneMinusSq(v)
		} else {
			g = s.oneMinus(v)
			VMULPS(v, g, g)
		}
		VMULPS(Mem{Base: dy, Disp: off}, g, g)
		VMOVUPS(g, Mem{Base: dx, Disp: off})
	})
}

func (s *isa) scale() {
	name := "scale" + s.name
	text(name, "func(dst []float32, a float32)")
	Doc(name + " multiplies the whole vectors of dst by a.")
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	ax := Load(Param("a"), XMM())
	av := s.vec()
	VBROADCASTSS(ax, av)
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	s.stream(name, n, []Register{dst}, 4, func(off int) {
		v := vs[off/(4*s.w)]
		VMULPS(Mem{Base: dst, Disp: off}, av, v)
		VMOVUPS(v, Mem{Base: dst, Disp: off})
	})
}

func (s *isa) axpy() {
	name := "axpy" + s.name
	text(name, "func(dst []float32, a float32, x []float32)")
	Doc(name + " adds a·x to dst (fused multiply-add) over the whole vectors of dst.")
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	ax := Load(Param("a"), XMM())
	av := s.vec()
	VBROADCASTSS(ax, av)
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	s.stream(name, n, []Register{dst, x}, 4, func(off int) {
		v := vs[off/(4*s.w)]
		VMOVUPS(Mem{Base: dst, Disp: off}, v)
		VFMADD231PS(Mem{Base: x, Disp: off}, av, v)
		VMOVUPS(v, Mem{Base: dst, Disp: off})
	})
}

// sum emits func(x []float32, lanes *[16]float32): four accumulators over the whole vectors,
// combined as (a0+a1)+(a2+a3) and stored in the first w lanes.
func (s *isa) sum() {
	name := "sum" + s.name
	text(name, "func(x []float32, lanes *[16]float32)")
	Doc(name + " stores in lanes the lane-wise partial sums of the whole vectors of x.")
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	out := Load(Param("lanes"), GP64())
	acc := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	for _, a := range acc {
		s.zero(a)
	}
	s.reduceLoop(name, n, []Register{x}, func(off int, a VecVirtual) {
		VADDPS(Mem{Base: x, Disp: off}, a, a)
	}, acc)
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	VMOVUPS(acc[0], Mem{Base: out})
	VZEROUPPER()
	RET()
}

// dot emits func(x, y []float32, lanes *[16]float32): the lane-wise partial sums of x∘y over
// the whole vectors of x, four accumulators of fused multiply-adds, as sum.
func (s *isa) dot() {
	name := "dot" + s.name
	text(name, "func(x, y []float32, lanes *[16]float32)")
	Doc(name + " stores in lanes the lane-wise partial sums of x∘y over the whole vectors of x.")
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	out := Load(Param("lanes"), GP64())
	acc := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	for _, a := range acc {
		s.zero(a)
	}
	s.reduceLoop(name, n, []Register{x, y}, func(off int, a VecVirtual) {
		v := s.loadv(Mem{Base: x, Disp: off})
		VFMADD231PS(Mem{Base: y, Disp: off}, v, a)
	}, acc)
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	VMOVUPS(acc[0], Mem{Base: out})
	VZEROUPPER()
	RET()
}

func (s *isa) zero(v VecVirtual) {
	if s.avx512 {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

// reduceLoop emits a loop over the whole vectors of x, four at a time into four accumulators,
// then one at a time into the first.
func (s *isa) reduceLoop(name string, n Register, ptrs []Register, body func(off int, acc VecVirtual), acc []VecVirtual) {
	vb := 4 * s.w
	SHRQ(U8(log2(s.w)), n)
	Label(name + "_big")
	CMPQ(n, U32(4))
	JB(LabelRef(name + "_one"))
	for u := 0; u < 4; u++ {
		body(u*vb, acc[u])
	}
	for _, p := range ptrs {
		ADDQ(U32(4*vb), p)
	}
	SUBQ(U32(4), n)
	JMP(LabelRef(name + "_big"))
	Label(name + "_one")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	body(0, acc[0])
	for _, p := range ptrs {
		ADDQ(U32(vb), p)
	}
	DECQ(n)
	JMP(LabelRef(name + "_one"))
	Label(name + "_done")
}

// max emits func(x []float32, lanes *[16]float32): the lane-wise maxima of the whole vectors of
// x and of the lanes' contents on entry (the caller fills them with −Inf), with NaN in every lane
// that saw a NaN.
func (s *isa) max() {
	name := "max" + s.name
	text(name, "func(x []float32, lanes *[16]float32)")
	Doc(name + " stores in lanes the lane-wise maxima of the whole vectors of x (NaN where a lane saw NaN).")
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	out := Load(Param("lanes"), GP64())
	acc := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	// Start from the lanes' contents (the caller fills them with −Inf).
	for _, a := range acc {
		VMOVUPS(Mem{Base: out}, a)
	}
	if s.avx512 {
		nan := K()
		KXORW(nan, nan, nan)
		s.reduceLoop(name, n, []Register{x}, func(off int, a VecVirtual) {
			v := s.vec()
			VMOVUPS(Mem{Base: x, Disp: off}, v)
			VMAXPS(v, a, a)
			k := K()
			VCMPPS(U8(3), v, v, k) // unordered: NaN
			KORW(k, nan, nan)
		}, acc)
		VMAXPS(acc[1], acc[0], acc[0])
		VMAXPS(acc[3], acc[2], acc[2])
		VMAXPS(acc[2], acc[0], acc[0])
		VBLENDMPS(mem["nan"], acc[0], nan, acc[0])
	} else {
		nan := s.vec()
		s.zero(nan)
		s.reduceLoop(name, n, []Register{x}, func(off int, a VecVirtual) {
			v := s.vec()
			VMOVUPS(Mem{Base: x, Disp: off}, v)
			VMAXPS(v, a, a)
			VCMPPS(U8(3), v, v, v)
			VORPS(v, nan, nan)
		}, acc)
		VMAXPS(acc[1], acc[0], acc[0])
		VMAXPS(acc[3], acc[2], acc[2])
		VMAXPS(acc[2], acc[0], acc[0])
		VORPS(nan, acc[0], acc[0]) // all-ones lanes are NaN
	}
	VMOVUPS(acc[0], Mem{Base: out})
	VZEROUPPER()
	RET()
}

// lstm emits the pointwise LSTM step over the whole vectors of one row.
func (s *isa) lstm(consts ...string) {
	name := "lstm" + s.name
	text(name, "func(gi, gf, gg, gout, cPrev, c, tc, h []float32)")
	Doc(name+" computes one row of the LSTM step over the whole vectors of c:",
		"the gates are replaced by their activations, c = f∘cPrev + i∘g, tc = tanh(c), h = o∘tc.")
	n := Load(Param("c").Len(), GP64())
	ptrs := []Register{}
	for _, p := range []string{"gi", "gf", "gg", "gout", "cPrev", "c", "tc", "h"} {
		ptrs = append(ptrs, Load(Param(p).Base(), GP64()))
	}
	gi, gf, gg, gout, cp, c, tc, h := ptrs[0], ptrs[1], ptrs[2], ptrs[3], ptrs[4], ptrs[5], ptrs[6], ptrs[7]
	s.preload(consts...)
	if s.avx512 {
		z := s.vec()
		VPXORD(z, z, z)
		s.regs["zero"] = z
	}
	SHRQ(U8(log2(s.w)), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	gate := func(p Register, f func(VecVirtual) VecVirtual) VecVirtual {
		v := s.vec()
		VMOVUPS(Mem{Base: p}, v)
		r := f(v)
		VMOVUPS(r, Mem{Base: p})
		return r
	}
	i := gate(gi, s.sigmoid)
	g := gate(gg, s.tanh)
	VMULPS(g, i, i) // i∘g
	f := gate(gf, s.sigmoid)
	VFMADD231PS(Mem{Base: cp}, f, i) // c = f∘cPrev + i∘g
	VMOVUPS(i, Mem{Base: c})
	t := s.tanh(i)
	VMOVUPS(t, Mem{Base: tc})
	o := gate(gout, s.sigmoid)
	VMULPS(t, o, o)
	VMOVUPS(o, Mem{Base: h})
	for _, p := range ptrs {
		ADDQ(U32(4*s.w), p)
	}
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// shiftExp emits func(dst, x []float32, s float32): dst = e^(x+s) over the whole vectors (the
// exponentials of softmax, s = −max).
func (s *isa) shiftExp(consts ...string) {
	name := "shiftExp" + s.name
	text(name, "func(dst, x []float32, s float32)")
	Doc(name + " sets dst = exp(x+s) over the whole vectors of dst.")
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	sx := Load(Param("s"), XMM())
	sv := s.vec()
	VBROADCASTSS(sx, sv)
	s.preload(consts...)
	SHRQ(U8(log2(s.w)), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	v := s.vec()
	VADDPS(Mem{Base: x}, sv, v)
	r := s.exp(v)
	VMOVUPS(r, Mem{Base: dst})
	ADDQ(U32(4*s.w), x)
	ADDQ(U32(4*s.w), dst)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// rowLoop emits the loop of a row kernel: the blocks of a gate row are H = len(lenParam)
// elements apart (hs = 4H bytes), and the loop covers the whole vectors of the first n elements
// (the parameter n ≤ H); body gets hs. Every pointer in ptrs advances by one vector per iteration.
func (s *isa) rowLoop(name, lenParam string, ptrs []Register, body func(hs Register)) {
	hs := Load(Param(lenParam).Len(), GP64())
	SHLQ(U8(2), hs) // bytes between the blocks of a row
	h := Load(Param("n"), GP64())
	SHRQ(U8(log2(s.w)), h)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	body(hs)
	for _, p := range ptrs {
		ADDQ(U32(4*s.w), p)
	}
	DECQ(h)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

func (s *isa) loadv(m Mem) VecVirtual {
	v := s.vec()
	VMOVUPS(m, v)
	return v
}

// oneMinus returns 1 − v.
func (s *isa) oneMinus(v VecVirtual) VecVirtual {
	r := s.vec()
	VSUBPS(v, s.r("one"), r)
	return r
}

// oneMinusSq returns 1 − v².
func (s *isa) oneMinusSq(v VecVirtual) VecVirtual {
	r := s.vec()
	VMOVUPS(v, r)
	VFNMADD213PS(s.r("one"), v, r) // −(v·r) + 1
	return r
}

// gruForward emits the GRU step (PyTorch form) over the whole vectors of one row.
func (s *isa) gruForward(consts ...string) {
	name := "gruForward" + s.name
	text(name, "func(xp, hp, hPrev, h []float32, n int)")
	Doc(name+" computes one row of the GRU step over the whole vectors of the first n elements:",
		"r = σ(x_r+h_r), z = σ(x_z+h_z), n = tanh(x_n + r∘h_n) written over xp (blocks len(h) apart),",
		"h = n + z∘(hPrev − n).")
	xp := Load(Param("xp").Base(), GP64())
	hp := Load(Param("hp").Base(), GP64())
	hPrev := Load(Param("hPrev").Base(), GP64())
	h := Load(Param("h").Base(), GP64())
	s.preload(consts...)
	if s.avx512 {
		z := s.vec()
		VPXORD(z, z, z)
		s.regs["zero"] = z
	}
	s.rowLoop(name, "h", []Register{xp, hp, hPrev, h}, func(hs Register) {
		v := s.loadv(Mem{Base: xp})
		VADDPS(Mem{Base: hp}, v, v)
		r := s.sigmoid(v)
		VMOVUPS(r, Mem{Base: xp})
		v = s.loadv(Mem{Base: hp, Index: hs, Scale: 2})
		VFMADD213PS(Mem{Base: xp, Index: hs, Scale: 2}, r, v) // x_n + r∘h_n
		n := s.tanh(v)
		VMOVUPS(n, Mem{Base: xp, Index: hs, Scale: 2})
		v = s.loadv(Mem{Base: xp, Index: hs, Scale: 1})
		VADDPS(Mem{Base: hp, Index: hs, Scale: 1}, v, v)
		z := s.sigmoid(v)
		VMOVUPS(z, Mem{Base: xp, Index: hs, Scale: 1})
		d := s.loadv(Mem{Base: hPrev})
		VSUBPS(n, d, d)          // hPrev − n
		VFMADD213PS(n, z, d)     // n + z∘(hPrev − n)
		VMOVUPS(d, Mem{Base: h}) // after the load of hPrev: h may alias it
	})
}

// lstmBackward emits the pointwise LSTM gradient over the whole vectors of one row.
func (s *isa) lstmBackward() {
	name := "lstmBackward" + s.name
	text(name, "func(gates, cPrev, tc, dh, dc, dpre, dcPrev []float32, n int)")
	Doc(name+" computes one row of the LSTM step's pointwise gradient over the whole vectors of",
		"the first n elements (gates and dpre are rows of four blocks of len(cPrev)).")
	g := Load(Param("gates").Base(), GP64())
	cp := Load(Param("cPrev").Base(), GP64())
	tc := Load(Param("tc").Base(), GP64())
	dh := Load(Param("dh").Base(), GP64())
	dc := Load(Param("dc").Base(), GP64())
	dp := Load(Param("dpre").Base(), GP64())
	dcp := Load(Param("dcPrev").Base(), GP64())
	h := Load(Param("cPrev").Len(), GP64())
	g2, dp2 := GP64(), GP64() // the g and o blocks: 2·H further
	LEAQ(Mem{Base: g, Index: h, Scale: 8}, g2)
	LEAQ(Mem{Base: dp, Index: h, Scale: 8}, dp2)
	s.preload("one")
	s.rowLoop(name, "cPrev", []Register{g, g2, cp, tc, dh, dc, dp, dp2, dcp}, func(hs Register) {
		i := s.loadv(Mem{Base: g})
		f := s.loadv(Mem{Base: g, Index: hs, Scale: 1})
		gg := s.loadv(Mem{Base: g2})
		o := s.loadv(Mem{Base: g2, Index: hs, Scale: 1})
		t := s.loadv(Mem{Base: tc})
		d := s.loadv(Mem{Base: dh})
		// dĉ = dc + dh∘o∘(1 − tc²)
		a := s.vec()
		VMULPS(o, d, a)
		t2 := s.oneMinusSq(t)
		VFMADD213PS(Mem{Base: dc}, a, t2) // t2 = a∘(1−tc²) + dc = dĉ
		dC := t2
		// dpre_o = dh∘o∘tc∘(1 − o)
		o1 := s.oneMinus(o)
		VMULPS(t, a, a)
		VMULPS(o1, a, a)
		// dpre_i = dĉ∘g∘i∘(1 − i)
		di := s.vec()
		VMULPS(gg, dC, di)
		VMULPS(i, di, di)
		i1 := s.oneMinus(i)
		VMULPS(i1, di, di)
		// dpre_f = dĉ∘cPrev∘f∘(1 − f)
		df := s.vec()
		VMULPS(Mem{Base: cp}, dC, df)
		VMULPS(f, df, df)
		f1 := s.oneMinus(f)
		VMULPS(f1, df, df)
		// dpre_g = dĉ∘i∘(1 − g²)
		g1 := s.oneMinusSq(gg)
		VMULPS(i, dC, i)
		VMULPS(g1, i, i)
		// dcPrev = dĉ∘f
		VMULPS(f, dC, dC)
		VMOVUPS(di, Mem{Base: dp})
		VMOVUPS(df, Mem{Base: dp, Index: hs, Scale: 1})
		VMOVUPS(i, Mem{Base: dp2})
		VMOVUPS(a, Mem{Base: dp2, Index: hs, Scale: 1})
		VMOVUPS(dC, Mem{Base: dcp})
	})
}

// gruBackward emits the pointwise GRU gradient over the whole vectors of one row.
func (s *isa) gruBackward() {
	name := "gruBackward" + s.name
	text(name, "func(gates, hp, hPrev, dh, dxp, dhp, dhPrev []float32, n int)")
	Doc(name+" computes one row of the GRU step's pointwise gradient over the whole vectors of the",
		"first n elements (gates, hp, dxp and dhp are rows of three blocks of len(dh)).")
	g := Load(Param("gates").Base(), GP64())
	hp := Load(Param("hp").Base(), GP64())
	h0 := Load(Param("hPrev").Base(), GP64())
	dh := Load(Param("dh").Base(), GP64())
	dx := Load(Param("dxp").Base(), GP64())
	dhp := Load(Param("dhp").Base(), GP64())
	dh0 := Load(Param("dhPrev").Base(), GP64())
	s.preload("one")
	s.rowLoop(name, "dh", []Register{g, hp, h0, dh, dx, dhp, dh0}, func(hs Register) {
		r := s.loadv(Mem{Base: g})
		z := s.loadv(Mem{Base: g, Index: hs, Scale: 1})
		n := s.loadv(Mem{Base: g, Index: hs, Scale: 2})
		d := s.loadv(Mem{Base: dh})
		// dn = dh∘(1 − z)∘(1 − n²)
		z1 := s.oneMinus(z)
		dn := s.oneMinusSq(n)
		VMULPS(d, dn, dn)
		VMULPS(z1, dn, dn)
		// dr = dn∘h_n∘r∘(1 − r)
		r1 := s.oneMinus(r)
		dr := s.vec()
		VMULPS(Mem{Base: hp, Index: hs, Scale: 2}, dn, dr)
		VMULPS(r, dr, dr)
		VMULPS(r1, dr, dr)
		// dz = dh∘(hPrev − n)∘z∘(1 − z)
		dz := s.loadv(Mem{Base: h0})
		VSUBPS(n, dz, dz)
		VMULPS(d, dz, dz)
		VMULPS(z, dz, dz)
		VMULPS(z1, dz, dz)
		// dhPrev = dh∘z
		VMULPS(z, d, d)
		VMULPS(dn, r, r) // dn∘r
		VMOVUPS(dr, Mem{Base: dx})
		VMOVUPS(dz, Mem{Base: dx, Index: hs, Scale: 1})
		VMOVUPS(dn, Mem{Base: dx, Index: hs, Scale: 2})
		VMOVUPS(dr, Mem{Base: dhp})
		VMOVUPS(dz, Mem{Base: dhp, Index: hs, Scale: 1})
		VMOVUPS(r, Mem{Base: dhp, Index: hs, Scale: 2})
		VMOVUPS(d, Mem{Base: dh0})
	})
}

// momentum emits func(w, g, v []float32, lr, mu float32): the heavy-ball update v ← μ·v + g,
// w ← w − lr·v over the whole vectors of w, in separate multiplies and adds (no fused
// multiply-add), so that it equals the plain float32 loop bit for bit.
func (s *isa) momentum() {
	name := "momentum" + s.name
	text(name, "func(w, g, v []float32, lr, mu float32)")
	Doc(name + " sets v to mu·v + g and w to w − lr·v over the whole vectors of w.")
	w := Load(Param("w").Base(), GP64())
	n := Load(Param("w").Len(), GP64())
	g := Load(Param("g").Base(), GP64())
	v := Load(Param("v").Base(), GP64())
	lx := Load(Param("lr"), XMM())
	mx := Load(Param("mu"), XMM())
	lv, mv := s.vec(), s.vec()
	VBROADCASTSS(lx, lv)
	VBROADCASTSS(mx, mv)
	as := []VecVirtual{s.vec(), s.vec()}
	bs := []VecVirtual{s.vec(), s.vec()}
	s.stream(name, n, []Register{w, g, v}, 2, func(off int) {
		a, b := as[off/(4*s.w)], bs[off/(4*s.w)]
		VMULPS(Mem{Base: v, Disp: off}, mv, a)
		VADDPS(Mem{Base: g, Disp: off}, a, a)
		VMOVUPS(a, Mem{Base: v, Disp: off})
		VMULPS(a, lv, a)
		VMOVUPS(Mem{Base: w, Disp: off}, b)
		VSUBPS(a, b, b)
		VMOVUPS(b, Mem{Base: w, Disp: off})
	})
}

// halfLoop emits a loop over the whole half-vectors of n float32 (w/2 of them, widened to w/2
// float64 in a full register): body works at the float32 pointers p32 and the float64 pointers
// p64, which move by one half-vector after it.
func (s *isa) halfLoop(name string, n Register, p32, p64 []Register, body func()) {
	h := s.w / 2
	shift := 2 // AVX2: 4 float64 per YMM
	if s.avx512 {
		shift = 3
	}
	SHRQ(U8(shift), n)
	Label(name + "_loop")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	body()
	for _, p := range p32 {
		ADDQ(U32(4*h), p)
	}
	for _, p := range p64 {
		ADDQ(U32(8*h), p)
	}
	DECQ(n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// colSum emits func(acc []float64, x []float32): acc[j] += float64(x[j]), the column sums of
// BatchNorm's statistics one row at a time, over the whole half-vectors of acc.
func (s *isa) colSum() {
	name := "colSum" + s.name
	text(name, "func(acc []float64, x []float32)")
	Doc(name + " adds x, widened to float64, to acc over the whole half-vectors of acc.")
	acc := Load(Param("acc").Base(), GP64())
	n := Load(Param("acc").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	s.halfLoop(name, n, []Register{x}, []Register{acc}, func() {
		v := s.vec()
		VCVTPS2PD(Mem{Base: x}, v)
		VADDPD(Mem{Base: acc}, v, v)
		VMOVUPD(v, Mem{Base: acc})
	})
}

// colSqDev emits func(acc []float64, x []float32, mean []float64): d = float64(x[j]) − mean[j],
// acc[j] += d·d (multiply and add apart, as the Go loop).
func (s *isa) colSqDev() {
	name := "colSqDev" + s.name
	text(name, "func(acc []float64, x []float32, mean []float64)")
	Doc(name + " adds (float64(x) − mean)² to acc over the whole half-vectors of acc.")
	acc := Load(Param("acc").Base(), GP64())
	n := Load(Param("acc").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	mean := Load(Param("mean").Base(), GP64())
	s.halfLoop(name, n, []Register{x}, []Register{acc, mean}, func() {
		v := s.vec()
		VCVTPS2PD(Mem{Base: x}, v)
		VSUBPD(Mem{Base: mean}, v, v)
		VMULPD(v, v, v)
		VADDPD(Mem{Base: acc}, v, v)
		VMOVUPD(v, Mem{Base: acc})
	})
}

// colSumProd emits func(s1, s2 []float64, x, y []float32): s1[j] += float64(x[j]),
// s2[j] += float64(x[j])·float64(y[j]) (multiply and add apart).
func (s *isa) colSumProd() {
	name := "colSumProd" + s.name
	text(name, "func(s1, s2 []float64, x, y []float32)")
	Doc(name + " adds x to s1 and x·y to s2, widened to float64, over the whole half-vectors of s1.")
	s1 := Load(Param("s1").Base(), GP64())
	n := Load(Param("s1").Len(), GP64())
	s2 := Load(Param("s2").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	s.halfLoop(name, n, []Register{x, y}, []Register{s1, s2}, func() {
		v, u, t := s.vec(), s.vec(), s.vec()
		VCVTPS2PD(Mem{Base: x}, v)
		VCVTPS2PD(Mem{Base: y}, u)
		VADDPD(Mem{Base: s1}, v, t)
		VMOVUPD(t, Mem{Base: s1})
		VMULPD(u, v, v)
		VADDPD(Mem{Base: s2}, v, v)
		VMOVUPD(v, Mem{Base: s2})
	})
}

// bnRow emits func(xh, y, x, mu, inv, gamma, beta []float32): h = (x − mu)·inv, xh = h,
// y = gamma·h + beta, in separate multiplies and adds, over the whole vectors of xh.
func (s *isa) bnRow() {
	name := "bnRow" + s.name
	text(name, "func(xh, y, x, mu, inv, gamma, beta []float32)")
	Doc(name + " normalises one row of BatchNorm over the whole vectors of xh.")
	xh := Load(Param("xh").Base(), GP64())
	n := Load(Param("xh").Len(), GP64())
	y := Load(Param("y").Base(), GP64())
	x := Load(Param("x").Base(), GP64())
	mu := Load(Param("mu").Base(), GP64())
	inv := Load(Param("inv").Base(), GP64())
	gm := Load(Param("gamma").Base(), GP64())
	bt := Load(Param("beta").Base(), GP64())
	s.stream(name, n, []Register{xh, y, x, mu, inv, gm, bt}, 1, func(off int) {
		h := s.loadv(Mem{Base: x, Disp: off})
		VSUBPS(Mem{Base: mu, Disp: off}, h, h)
		VMULPS(Mem{Base: inv, Disp: off}, h, h)
		VMOVUPS(h, Mem{Base: xh, Disp: off})
		VMULPS(Mem{Base: gm, Disp: off}, h, h)
		VADDPS(Mem{Base: bt, Disp: off}, h, h)
		VMOVUPS(h, Mem{Base: y, Disp: off})
	})
}

// bnGradRow emits func(dx, dy, xh, k, a, b []float32): dx = (k·dy − a) − b·xh, in separate
// multiplies and adds, over the whole vectors of dx.
func (s *isa) bnGradRow() {
	name := "bnGradRow" + s.name
	text(name, "func(dx, dy, xh, k, a, b []float32)")
	Doc(name + " sets one row of BatchNorm's input gradient over the whole vectors of dx.")
	dx := Load(Param("dx").Base(), GP64())
	n := Load(Param("dx").Len(), GP64())
	dy := Load(Param("dy").Base(), GP64())
	xh := Load(Param("xh").Base(), GP64())
	k := Load(Param("k").Base(), GP64())
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	s.stream(name, n, []Register{dx, dy, xh, k, a, b}, 1, func(off int) {
		v := s.loadv(Mem{Base: dy, Disp: off})
		VMULPS(Mem{Base: k, Disp: off}, v, v)
		VSUBPS(Mem{Base: a, Disp: off}, v, v)
		t := s.loadv(Mem{Base: xh, Disp: off})
		VMULPS(Mem{Base: b, Disp: off}, t, t)
		VSUBPS(t, v, v)
		VMOVUPS(v, Mem{Base: dx, Disp: off})
	})
}

// relu emits func(dst, x []float32): dst = max(x, 0) as Go's builtin max gives it: NaN kept (the
// second source of VMAXPS) and −0 made +0 (by adding +0, which changes no other value).
func (s *isa) relu() {
	name := "relu" + s.name
	text(name, "func(dst, x []float32)")
	Doc(name + " sets dst to max(x, 0) over the whole vectors of dst.")
	dst := Load(Param("dst").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	x := Load(Param("x").Base(), GP64())
	z := s.vec()
	s.zero(z)
	vs := []VecVirtual{s.vec(), s.vec(), s.vec(), s.vec()}
	s.stream(name, n, []Register{dst, x}, 4, func(off int) {
		v := vs[off/(4*s.w)]
		VMAXPS(Mem{Base: x, Disp: off}, z, v)
		VADDPS(z, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: off})
	})
}

func main() {
	ConstraintExpr("amd64,!purego")
	defineConsts()
	expC := []string{"explo", "exphi", "one"}
	for _, s := range []*isa{{name: "AVX2", w: 8}, {name: "AVX512", w: 16, avx512: true}} {
		all := expC
		if s.avx512 {
			all = []string{"explo", "exphi", "one", "log2e", "ln2hi", "ln2lo", "p0", "p1", "p2", "p3",
				"p4", "p5"}
		}
		s.unary("exp", s.exp, all...)
		s.unary("sigmoid", s.sigmoid, all...)
		s.unary("tanh", s.tanh, all...)
		s.add()
		s.mul()
		s.scale()
		s.axpy()
		s.sum()
		s.dot()
		s.actBackward("tanh")
		s.actBackward("sigmoid")
		s.max()
		s.lstm(all...)
		s.shiftExp(all...)
		s.gruForward(all...)
		s.lstmBackward()
		s.gruBackward()
		s.momentum()
		s.colSum()
		s.colSqDev()
		s.colSumProd()
		s.bnRow()
		s.bnGradRow()
		s.relu()
	}
	Generate()
}
