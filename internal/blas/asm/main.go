// Command asm generates the amd64 microkernels of package blas (kernels_amd64.s and its Go
// declarations) with avo. Run it through go generate in the parent folder.
//
// Each kernel computes one MR×NR tile of C = alpha·A·B + beta·C over k steps of a packed A
// panel (MR values a step) and a B panel whose rows of NR values are ldb elements apart. The
// tile lives in MR·NV vector registers (NV vectors a row); each step loads the NV vectors of B
// and does MR·NV fused multiply-adds with the A value broadcast from memory.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// spec describes one kernel.
type spec struct {
	name   string
	double bool // float64 elements instead of float32
	zmm    bool // AVX-512 (zmm registers, broadcast operands) instead of AVX2+FMA
	mr, nv int  // rows of the tile, vectors per row
}

func main() {
	kernels := []spec{
		{name: "sgemmAVX512", zmm: true, mr: 12, nv: 2},
		{name: "sgemmAVX512x8", zmm: true, mr: 8, nv: 2},
		{name: "sgemmAVX512x1", zmm: true, mr: 1, nv: 8},
		{name: "dgemmAVX512", zmm: true, double: true, mr: 12, nv: 2},
		{name: "sgemmAVX2", mr: 6, nv: 2},
		{name: "dgemmAVX2", double: true, mr: 6, nv: 2},
	}
	for _, s := range kernels {
		generate(s)
	}
	transpose8x8()
	Generate()
}

func vec(zmm bool, i int) reg.VecPhysical {
	if zmm {
		return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
			reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
			reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
			reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}[i]
	}
	return []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
		reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}[i]
}

func generate(s spec) {
	elem, esz, shift := "float32", 4, uint64(2)
	if s.double {
		elem, esz, shift = "float64", 8, 3
	}
	vsz := 32
	if s.zmm {
		vsz = 64
	}
	nr := s.nv * vsz / esz
	TEXT(s.name, NOSPLIT, fmt.Sprintf("func(k int, a, b *%s, ldb int, c *%s, ldc int, alpha, beta %s, load bool)", elem, elem, elem))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes a %d×%d tile of C (rows ldc elements apart) as alpha times the product of k steps of a packed A panel and a B panel (rows ldb elements apart), plus beta times C when load is true; C is not read when load is false.", s.name, s.mr, nr))

	// Registers: the tile in 0…mr·nv-1, then the B vectors, then alpha, beta and a broadcast.
	nacc := s.mr * s.nv
	acc := func(r, j int) reg.VecPhysical { return vec(s.zmm, r*s.nv+j) }
	bvec := func(j int) reg.VecPhysical { return vec(s.zmm, nacc+j) }
	bcast := vec(s.zmm, nacc+s.nv)
	valpha := vec(s.zmm, nacc+s.nv)
	vbeta := vec(s.zmm, nacc+s.nv+1)

	mov, fma, mul, bcst := VMOVUPS, VFMADD231PS, VMULPS, VBROADCASTSS
	fmaBcst := VFMADD231PS_BCST
	if s.double {
		mov, fma, mul, bcst = VMOVUPD, VFMADD231PD, VMULPD, VBROADCASTSD
		fmaBcst = VFMADD231PD_BCST
	}

	k := Load(Param("k"), reg.RCX)
	a := Load(Param("a"), reg.RSI)
	b := Load(Param("b"), reg.RDI)
	ldb := Load(Param("ldb"), reg.R8)
	SHLQ(U8(shift), ldb)

	Comment("Clear the tile.")
	for i := 0; i < nacc; i++ {
		if s.zmm {
			VPXORQ(acc(i/s.nv, i%s.nv), acc(i/s.nv, i%s.nv), acc(i/s.nv, i%s.nv))
		} else {
			VXORPS(acc(i/s.nv, i%s.nv), acc(i/s.nv, i%s.nv), acc(i/s.nv, i%s.nv))
		}
	}

	Comment("One depth step a turn: load the B row, multiply-add each broadcast A value.")
	Label(s.name + "_loop")
	for j := 0; j < s.nv; j++ {
		mov(Mem{Base: b, Disp: j * vsz}, bvec(j))
	}
	for r := 0; r < s.mr; r++ {
		src := Mem{Base: a, Disp: r * esz}
		if s.zmm {
			for j := 0; j < s.nv; j++ {
				fmaBcst(src, bvec(j), acc(r, j))
			}
			continue
		}
		bcst(src, bcast)
		for j := 0; j < s.nv; j++ {
			fma(bcast, bvec(j), acc(r, j))
		}
	}
	ADDQ(U32(s.mr*esz), a)
	ADDQ(ldb, b)
	DECQ(k)
	JNZ(LabelRef(s.name + "_loop"))

	Comment("Scale by alpha, then store, adding beta·C when load is set.")
	c := Load(Param("c"), reg.RDX)
	ldc := Load(Param("ldc"), reg.R9)
	SHLQ(U8(shift), ldc)
	bcst(NewParamAddr("alpha", 48), valpha)
	for r := 0; r < s.mr; r++ {
		for j := 0; j < s.nv; j++ {
			mul(valpha, acc(r, j), acc(r, j))
		}
	}
	ld := Load(Param("load"), reg.AL)
	TESTB(ld, ld)
	JZ(LabelRef(s.name + "_store"))
	betaOff := 52
	if s.double {
		betaOff = 56
	}
	bcst(NewParamAddr("beta", betaOff), vbeta)
	for r := 0; r < s.mr; r++ {
		for j := 0; j < s.nv; j++ {
			m := Mem{Base: c, Disp: j * vsz}
			fma(m, vbeta, acc(r, j))
			mov(acc(r, j), m)
		}
		if r < s.mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()

	Label(s.name + "_store")
	for r := 0; r < s.mr; r++ {
		for j := 0; j < s.nv; j++ {
			mov(acc(r, j), Mem{Base: c, Disp: j * vsz})
		}
		if r < s.mr-1 {
			ADDQ(ldc, c)
		}
	}
	VZEROUPPER()
	RET()
}

// transpose8x8 generates transpose8x8F32(n, src, lds, dst, ldd), which transposes n 8×8
// blocks side by side: dst[(8b+r)·ldd+c] = src[c·lds+8b+r] for b < n and r, c < 8. It packs
// transposed operands with AVX shuffles instead of one element at a time.
func transpose8x8() {
	TEXT("transpose8x8F32", NOSPLIT, "func(n int, src *float32, lds int, dst *float32, ldd int)")
	Pragma("noescape")
	Doc("transpose8x8F32 transposes n 8×8 blocks of float32 side by side: dst[(8b+r)·ldd+c] = src[c·lds+8b+r] for b < n and r, c < 8. It needs AVX.")
	n := Load(Param("n"), reg.RCX)
	sa := Load(Param("src"), reg.RSI)
	l := Load(Param("lds"), reg.R8)
	da := Load(Param("dst"), reg.RDX)
	m := Load(Param("ldd"), reg.R11)
	SHLQ(U8(2), l)
	SHLQ(U8(2), m)
	l3, sb := reg.R9, reg.RDI
	LEAQ(Mem{Base: l, Index: l, Scale: 2}, l3)
	LEAQ(Mem{Base: sa, Index: l, Scale: 4}, sb)
	m3, db, m8 := reg.R12, reg.R10, reg.R13
	LEAQ(Mem{Base: m, Index: m, Scale: 2}, m3)
	LEAQ(Mem{Base: da, Index: m, Scale: 4}, db)
	MOVQ(m, m8)
	SHLQ(U8(3), m8)
	Y := func(i int) reg.VecPhysical { return vec(false, i) }
	TESTQ(n, n)
	JZ(LabelRef("transpose8x8F32_done"))
	Label("transpose8x8F32_loop")
	rows := []Mem{
		{Base: sa}, {Base: sa, Index: l, Scale: 1}, {Base: sa, Index: l, Scale: 2}, {Base: sa, Index: l3, Scale: 1},
		{Base: sb}, {Base: sb, Index: l, Scale: 1}, {Base: sb, Index: l, Scale: 2}, {Base: sb, Index: l3, Scale: 1},
	}
	for i, r := range rows {
		VMOVUPS(r, Y(i))
	}
	// t(2i) = unpacklo(r(2i), r(2i+1)), t(2i+1) = unpackhi(…), in Y8…Y15.
	for i := 0; i < 4; i++ {
		VUNPCKLPS(Y(2*i+1), Y(2*i), Y(8+2*i))
		VUNPCKHPS(Y(2*i+1), Y(2*i), Y(8+2*i+1))
	}
	// Within each half of four rows: tt = shuffles of (t0,t2), (t1,t3), back in Y0…Y7.
	for h := 0; h < 2; h++ {
		t0, t1, t2, t3 := Y(8+4*h), Y(9+4*h), Y(10+4*h), Y(11+4*h)
		VSHUFPS(U8(0x44), t2, t0, Y(4*h+0))
		VSHUFPS(U8(0xEE), t2, t0, Y(4*h+1))
		VSHUFPS(U8(0x44), t3, t1, Y(4*h+2))
		VSHUFPS(U8(0xEE), t3, t1, Y(4*h+3))
	}
	// Rows r and r+4 of the result take the low and high 128-bit lanes of tt(r) and tt(r+4).
	for r := 0; r < 4; r++ {
		VPERM2F128(U8(0x20), Y(r+4), Y(r), Y(8+r))
		VPERM2F128(U8(0x31), Y(r+4), Y(r), Y(12+r))
	}
	outs := []Mem{
		{Base: da}, {Base: da, Index: m, Scale: 1}, {Base: da, Index: m, Scale: 2}, {Base: da, Index: m3, Scale: 1},
		{Base: db}, {Base: db, Index: m, Scale: 1}, {Base: db, Index: m, Scale: 2}, {Base: db, Index: m3, Scale: 1},
	}
	for i, o := range outs {
		VMOVUPS(Y(8+i), o)
	}
	ADDQ(U8(32), sa)
	ADDQ(U8(32), sb)
	ADDQ(m8, da)
	ADDQ(m8, db)
	DECQ(n)
	JNZ(LabelRef("transpose8x8F32_loop"))
	Label("transpose8x8F32_done")
	VZEROUPPER()
	RET()
}
