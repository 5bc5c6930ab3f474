package runner_test

import (
	"os"
	"testing"

	"github.com/serverlab/serverlab/harness/internal/labtest"
)

func TestMain(m *testing.M) { os.Exit(labtest.Main(m)) }
