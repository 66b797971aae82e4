//go:build !purego

package vecmath

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAsmRequirements reads the generated assembly and checks that the AVX2 functions need
// nothing beyond AVX, AVX2 and FMA (so that they run on processors without AVX-512) and that
// the AVX-512 functions need only AVX-512F of the AVX-512 family, which is what archKernels checks.
func TestAsmRequirements(t *testing.T) {
	src, err := os.ReadFile("vecmath_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`// func (\w+)\(.*\n// Requires: (.*)\n`)
	ms := re.FindAllStringSubmatch(string(src), -1)
	if len(ms) < 20 {
		t.Fatalf("found %d functions with their requirements in vecmath_amd64.s", len(ms))
	}
	allowed := map[string]bool{"AVX": true, "AVX2": true, "FMA3": true, "SSE": true}
	for _, m := range ms {
		name, reqs := m[1], strings.Split(m[2], ", ")
		for _, r := range reqs {
			ok := allowed[r] || (strings.HasSuffix(name, "AVX512") && r == "AVX512F")
			if !ok {
				t.Errorf("%s requires %s", name, r)
			}
		}
		if strings.HasSuffix(name, "AVX2") && regexp.MustCompile(`\bY(1[6-9]|2\d|3[01])\b|\bZ\d|\bK[1-7]\b`).MatchString(body(string(src), name)) {
			t.Errorf("%s uses AVX-512 registers", name)
		}
	}
}

// body returns the text of one function in the assembly.
func body(src, name string) string {
	i := strings.Index(src, "TEXT ·"+name+"(SB)")
	if i < 0 {
		return ""
	}
	rest := src[i:]
	if j := strings.Index(rest[1:], "TEXT ·"); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}
