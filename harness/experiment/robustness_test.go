package experiment

import (
	"github.com/serverlab/serverlab/harness/corpus"
)

// hostile adds a corpus step whose cases, every one of the corpus, were
// all answered as allowed, the specimen alive after each.
func (f fakeTrial) hostile() fakeTrial {
	var rs []corpus.Result
	for _, c := range corpus.Cases() {
		rs = append(rs, corpus.Result{Case: c.Name, Statuses: []int{400}, Observation: corpus.Observation{Closed: true, Alive: true}})
	}
	f.Steps = append(f.Steps[:len(f.Steps):len(f.Steps)], Observation{Label: "corpus", Kind: StepHostile, Hostile: rs})
	return f
}

func init() {
	predicted["robustness"] = func(e Experiment) []Trial {
		var ts []Trial
		for _, a := range e.Arms {
			ts = append(ts, observe(e, a.Name, 1).hostile().Trial)
		}
		return ts
	}
	modelCases = append(modelCases,
		judgeCase{"robustness", "", nil, Reproduced, nil},
		judgeCase{"robustness", "epoll answers garbage with 200", func(ts []Trial) {
			r := &find(ts, "epoll", 1).Steps[0].Hostile[3]
			r.Statuses, r.Violation = []int{200}, "a 2xx for a malformed request"
		}, NotReproduced, []string{"epoll: hostile_violations == 0 in every trial"}},
		judgeCase{"robustness", "threads dies after a case", func(ts []Trial) {
			tr := find(ts, "threads", 1)
			tr.Steps[0].Hostile[7].Alive = false
			tr.Exit = Exit{ExitCode: 139}
		}, NotReproduced, []string{"threads: hostile_crashes == 0 in every trial"}},
	)
}
