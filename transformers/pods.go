package transformers

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// podSpecOf returns the pod spec a resource carries, or nil:
//
//	Pod                                    spec
//	PodTemplate                            template.spec
//	CronJob                                spec.jobTemplate.spec.template.spec
//	everything else (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//	ReplicationController, Job, Argo Rollout, OpenKruise CloneSet, ...)
//	                                       spec.template.spec
//
// A spec.template.spec counts as a pod spec only when it has a containers
// or initContainers list, so that unrelated templates (Cluster API
// MachineDeployment and the like) are left alone.
func podSpecOf(it *item) *yaml.Node {
	var ps *yaml.Node
	switch {
	case it.kind == "Pod" && it.group == "":
		ps = mapGet(it.root, "spec")
	case it.kind == "PodTemplate" && it.group == "":
		ps = mapPath(it.root, "template", "spec")
	case it.kind == "CronJob" && it.group == "batch":
		ps = mapPath(it.root, "spec", "jobTemplate", "spec", "template", "spec")
	default:
		ps = mapPath(it.root, "spec", "template", "spec")
		if ps == nil && it.kind == "CronJob" {
			ps = mapPath(it.root, "spec", "jobTemplate", "spec", "template", "spec")
		}
	}
	if ps == nil || ps.Kind != yaml.MappingNode {
		return nil
	}
	c, ic := mapGet(ps, "containers"), mapGet(ps, "initContainers")
	if (c == nil || c.Kind != yaml.SequenceNode) && (ic == nil || ic.Kind != yaml.SequenceNode) {
		return nil
	}
	return ps
}

var containerLists = [...]string{"initContainers", "containers", "ephemeralContainers"}

// podSpec rewrites the images of every container list and adds the
// configured imagePullSecrets when something was rewritten.
func (p *planner) podSpec(it *item, ps *yaml.Node) {
	rewrote := false
	for _, list := range containerLists {
		seq := mapGet(ps, list)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range seq.Content {
			if p.imageScalar(it, mapGet(c, "image"), "image") {
				rewrote = true
			}
			if p.containerFlags(it, c) {
				rewrote = true
			}
		}
	}
	if rewrote {
		p.pullSecrets(ps)
	}
}

// pullSecrets plans the addition of the configured Secrets that the pod
// spec does not list yet.
func (p *planner) pullSecrets(ps *yaml.Node) {
	if len(p.cfg.ImagePullSecrets) == 0 {
		return
	}
	existing := mapGet(ps, "imagePullSecrets")
	var add []*yaml.Node
	for _, name := range p.cfg.ImagePullSecrets {
		found := false
		if existing != nil && existing.Kind == yaml.SequenceNode {
			for _, e := range existing.Content {
				if v, _ := scalarValue(mapGet(e, "name")); v == name {
					found = true
					break
				}
			}
		}
		if !found {
			add = append(add, mapNode("name", name))
		}
	}
	switch {
	case len(add) == 0:
	case existing == nil:
		p.appendTo(ps, strNode("imagePullSecrets"), &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: add})
	case existing.Kind == yaml.SequenceNode:
		p.appendTo(existing, add...)
	case isNull(existing):
		p.replace(existing, &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: add})
	}
}

// prometheus-operator custom resources carry their image outside a pod
// template: Prometheus, Alertmanager and ThanosRuler spec.image (and the
// deprecated spec.baseImage), Prometheus spec.thanos.image, and the
// containers/initContainers they merge into their pods.
const monitoringGroup = "monitoring.coreos.com"

func isPrometheusOperatorCR(it *item) bool {
	return it.group == monitoringGroup && (it.kind == "Prometheus" || it.kind == "Alertmanager" || it.kind == "ThanosRuler" || it.kind == "PrometheusAgent")
}

func (p *planner) prometheusOperatorCR(it *item) {
	spec := mapGet(it.root, "spec")
	if spec == nil || spec.Kind != yaml.MappingNode {
		return
	}
	rewrote := p.imageScalar(it, mapGet(spec, "image"), "image")
	if it.kind == "Prometheus" && p.imageScalar(it, mapPath(spec, "thanos", "image"), "thanos image") {
		rewrote = true
	}
	if b := mapGet(spec, "baseImage"); b != nil {
		if v, ok := scalarValue(b); ok && v != "" {
			suffix := "" // the operator pulls baseImage:version (or :tag)
			for _, k := range [...]string{"version", "tag"} {
				if t, ok := scalarValue(mapGet(spec, k)); ok && anchoredTag.MatchString(t) {
					suffix = ":" + t
				}
			}
			p.recordName(occurrence{it: it, node: b}, "baseImage", v, p.rw.rewriteName(v), suffix, func(name string) { p.set(b, name) })
		}
	}
	for _, list := range containerLists {
		seq := mapGet(spec, list)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range seq.Content {
			if p.imageScalar(it, mapGet(c, "image"), "image") {
				rewrote = true
			}
		}
	}
	if rewrote {
		p.pullSecrets(spec) // spec.imagePullSecrets: [{name}], as in a pod spec
	}
}

// imageFlags are command-line flags of known operators whose value is an
// image (prometheus-operator's config reloader and default base images).
var imageFlags = []struct {
	flag string
	name bool // a repository name without tag
}{
	{"--prometheus-config-reloader=", false},
	{"--config-reloader-image=", false},
	{"--prometheus-default-base-image=", true},
	{"--alertmanager-default-base-image=", true},
	{"--thanos-default-base-image=", true},
}

// containerFlags rewrites image-valued flags in a container's args and
// command; it reports whether something was rewritten.
func (p *planner) containerFlags(it *item, c *yaml.Node) bool {
	rewrote := false
	for _, key := range [...]string{"args", "command"} {
		seq := mapGet(c, key)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, a := range seq.Content {
			v, ok := scalarValue(a)
			if !ok || !strings.HasPrefix(v, "--") {
				continue
			}
			for _, f := range imageFlags {
				if !strings.HasPrefix(v, f.flag) {
					continue
				}
				val := v[len(f.flag):]
				o := occurrence{it: it, node: a}
				flag := f.flag
				if f.name {
					r := p.rw.rewriteName(val)
					p.recordName(o, strings.TrimSuffix(flag, "="), val, r, "", func(name string) { p.set(a, flag+name) })
					rewrote = rewrote || r.status == statusRewritten
					continue
				}
				r := p.rw.rewriteReference(val)
				switch r.status {
				case statusRewritten:
					p.set(a, flag+r.value)
					p.imagesRewritten++
					it.rewrites++
					p.mirror.addImage(r.source, r.target, o)
					rewrote = true
				default:
					p.applyImage(it, a, strings.TrimSuffix(flag, "="), val, r)
				}
			}
		}
	}
	return rewrote
}
