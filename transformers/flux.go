package transformers

// Flux source and helm objects, for GitOps users beyond Kurator.
const (
	fluxSourceGroup = "source.toolkit.fluxcd.io"
	fluxHelmGroup   = "helm.toolkit.fluxcd.io"
)

type helmRepoRef struct {
	namespace, name string
	result          refResult
	o               occurrence
}

type helmReleaseRef struct {
	namespace, repo string // the HelmRepository it pulls from
	chart, version  string
}

// fluxHelmRepository rewrites spec.url (and spec.type); the charts are
// joined from the HelmReleases of the same run at the end.
func (p *planner) fluxHelmRepository(it *item) {
	spec := mapGet(it.root, "spec")
	if spec == nil {
		return
	}
	r, o := p.helmRepository(it, spec)
	p.sourceCredentials(it, spec, r, true)
	if (r.status == statusRewritten || r.status == statusMirrored) && r.source != "" {
		name, _ := scalarValue(mapPath(it.root, "metadata", "name"))
		p.helmRepos = append(p.helmRepos, helmRepoRef{namespace: it.namespace, name: name, result: r, o: o})
	}
}

// fluxHelmRelease rewrites spec.values and remembers its chart.
func (p *planner) fluxHelmRelease(it *item) {
	spec := mapGet(it.root, "spec")
	p.helmValues(it, mapGet(spec, "values"), valuesStyle{})
	cs := mapPath(spec, "chart", "spec")
	chart, _ := scalarValue(mapGet(cs, "chart"))
	ref := mapGet(cs, "sourceRef")
	if kind, _ := scalarValue(mapGet(ref, "kind")); chart == "" || kind != "HelmRepository" {
		return
	}
	repo, _ := scalarValue(mapGet(ref, "name"))
	ns, _ := scalarValue(mapGet(ref, "namespace"))
	if ns == "" {
		ns = it.namespace
	}
	version, _ := scalarValue(mapGet(cs, "version"))
	if version == "" {
		version = "*"
	}
	p.helmReleases = append(p.helmReleases, helmReleaseRef{namespace: ns, repo: repo, chart: chart, version: version})
}

// joinHelmCharts adds one mirror entry per chart a HelmRelease pulls from
// a rewritten HelmRepository.
func (p *planner) joinHelmCharts() {
	if len(p.helmRepos) == 0 {
		return
	}
	type repoKey struct{ namespace, name string }
	byRepo := map[repoKey][]chartNV{}
	for _, rel := range p.helmReleases {
		k := repoKey{rel.namespace, rel.repo}
		byRepo[k] = append(byRepo[k], chartNV{rel.chart, rel.version})
	}
	for _, hr := range p.helmRepos {
		p.chartEntries(hr.result, hr.o, byRepo[repoKey{hr.namespace, hr.name}])
	}
}
