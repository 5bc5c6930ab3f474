package experiment

import "fmt"

// Suite returns every experiment the lab runs, in the order a reader meets
// them: the seed's, the other models', the models under load, the
// kernel's work under them, part 2's,
// then the lab's own hardening.
func Suite() []Experiment {
	return append(append(append(append(append(Seed(), Models()...), Load()...), Kernel()...), WSGI()...), Hardening()...)
}

// Lookup returns the experiment called name.
func Lookup(name string) (Experiment, error) {
	for _, e := range Suite() {
		if e.Name == name {
			return e, nil
		}
	}
	return Experiment{}, fmt.Errorf("no experiment %q (see lab run --list)", name)
}
