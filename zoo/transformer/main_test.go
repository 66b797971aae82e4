package transformer

import (
	"os"
	"strconv"
	"testing"
)

// longSteps, from ZOO_W5_MEMORY_STEPS, lengthens TestW5Memory (1000 for the full check).
var longSteps int

func TestMain(m *testing.M) {
	longSteps, _ = strconv.Atoi(os.Getenv("ZOO_W5_MEMORY_STEPS"))
	os.Exit(m.Run())
}
