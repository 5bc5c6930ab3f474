package experiment

// View is a figure of an experiment's observations, declared with the
// experiment and the steps it reads: the report draws each kind, as
// Markdown and as SVG charts, from the same metrics the checks judge, and
// keys no figure by an experiment's name or a step's label. An experiment
// without views has its checks, its trials and its samples drawn only.
type View interface{ isView() }

// The views an experiment may declare.
type (
	// TimingView draws each connection from its start: handshake, first
	// byte, end (the staircase of an iterative server).
	TimingView struct{}
	// HangView is TimingView, and what the probe During saw while the
	// client waited: live children, the client's socket, descriptors.
	HangView struct{ During Step }
	// BacklogView sets the connections that got through at once beside the
	// backlog+2 the kernel's accept queue admits, per backlog.
	BacklogView struct{}
	// ZombiesView sets the log's forks and reaps beside /proc's zombies.
	ZombiesView struct{}
	// DescriptorsView draws the server's descriptors against its nofile.
	DescriptorsView struct{}
	// ProcessLimitView says which limit bound the forks, and draws the
	// zombies climbing to it.
	ProcessLimitView struct{}
	// SlowClientsView draws how long the Probes waited among stalled
	// clients, and the processes and threads the probe During counted.
	SlowClientsView struct{ During, Probes Step }
	// IdleView sets out what holding the Idle connections cost each model,
	// at the probe Holding.
	IdleView struct{ Holding, Idle Step }
	// BalanceView draws each prefork worker's share of the accepts.
	BalanceView struct{}
	// ThroughputView draws requests per second, errors and CPU per request
	// against connections, per model and mode.
	ThroughputView struct{}
	// LatencyView draws each load step's percentiles, per arm.
	LatencyView struct{}
	// WSGIAppsView tabulates what each WSGI application answered.
	WSGIAppsView struct{}
	// RobustnessView tabulates the hostile cases each specimen failed.
	RobustnessView struct{}
)

func (TimingView) isView()       {}
func (HangView) isView()         {}
func (BacklogView) isView()      {}
func (ZombiesView) isView()      {}
func (DescriptorsView) isView()  {}
func (ProcessLimitView) isView() {}
func (SlowClientsView) isView()  {}
func (IdleView) isView()         {}
func (BalanceView) isView()      {}
func (ThroughputView) isView()   {}
func (LatencyView) isView()      {}
func (WSGIAppsView) isView()     {}
func (RobustnessView) isView()   {}

// ViewsOf returns the views the suite declares for the experiment a record
// holds: a record keeps its experiment's data, and its views are drawn as
// the suite declares them now (none for an experiment it no longer has).
func ViewsOf(name string) []View {
	e, err := Lookup(name)
	if err != nil {
		return nil
	}
	return e.Views
}
