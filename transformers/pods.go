package transformers

import "sigs.k8s.io/kustomize/kyaml/yaml"

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
