package trial

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strings"

	"github.com/serverlab/serverlab/harness/experiment"
	"github.com/serverlab/serverlab/harness/runner"
)

// LabVersion is the lab's release; records carry it with the commit.
const LabVersion = "0.1.0"

// DescribeEnvironment gathers what a record says about where it was made.
// What cannot be read is left empty rather than failing a run.
func DescribeEnvironment(ctx context.Context, commit string) experiment.Environment {
	env := experiment.Environment{LabVersion: LabVersion, LabCommit: commit, GoVersion: runtime.Version(), CPUModel: cpuModel()}
	env.Host, _ = os.Hostname()
	if e, err := runner.DescribeEngine(ctx); err == nil {
		env.Engine = experiment.Engine{Kernel: e.Kernel, DockerVersion: e.DockerVersion, CgroupVersion: e.CgroupVersion,
			OS: e.OS, Arch: e.Arch, CPUs: e.CPUs, MemoryBytes: e.MemoryBytes}
	}
	return env
}

// cpuModel reads the first "model name" of /proc/cpuinfo (Linux, and the
// Docker VM's kernel on a Mac when the lab runs in a container).
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
