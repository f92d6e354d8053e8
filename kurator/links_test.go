package kurator

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestCheckLinks(t *testing.T) {
	read := func(s string) []*yaml.RNode {
		nodes, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true}).Read()
		if err != nil {
			t.Fatal(err)
		}
		return nodes
	}
	backup := `apiVersion: backup.kurator.dev/v1alpha1
kind: Backup
metadata: {name: b}
spec: {destination: {fleet: f}}
---
apiVersion: backup.kurator.dev/v1alpha1
kind: Migrate
metadata: {name: m, namespace: other}
spec: {sourceCluster: {fleet: f}, targetCluster: {fleet: f}}
`
	fleet := "---\napiVersion: fleet.kurator.dev/v1alpha1\nkind: Fleet\nmetadata: {name: f}\n"
	withPlugin := fleet + "spec: {plugin: {backup: {storage: {secretName: s, location: {bucket: b, provider: aws, endpoint: e}}}}}\n"

	got := CheckLinks(read(backup + fleet))
	if len(got) != 1 || got[0].Index != 0 || got[0].Path != "spec.destination.fleet" || got[0].Severity != Warning ||
		!strings.Contains(got[0].Message, "Fleet f has no backup plugin") || got[0].Hint == "" {
		t.Fatalf("Backup next to its Fleet without the plugin: %+v (the Migrate is in another namespace)", got)
	}
	if got := CheckLinks(read(backup + withPlugin)); len(got) != 0 {
		t.Fatalf("Fleet with the backup plugin: %+v", got)
	}
	if got := CheckLinks(read(backup + fleet + withPlugin)); len(got) != 0 {
		t.Fatalf("alternative definitions, one with the plugin: %+v", got)
	}
	if got := CheckLinks(read(backup)); len(got) != 0 {
		t.Fatalf("no Fleet among the objects: %+v", got)
	}

	clusters := `apiVersion: cluster.kurator.dev/v1alpha1
kind: AttachedCluster
metadata: {name: member1}
spec: {kubeconfig: {name: m1}}
---
apiVersion: fleet.kurator.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec: {clusters: [{name: member1, kind: AttachedCluster}, {name: memebr2, kind: AttachedCluster}, {name: aws1, kind: Cluster}]}
`
	got = CheckLinks(read(clusters))
	if len(got) != 1 || got[0].Index != 1 || got[0].Path != "spec.clusters.[name=memebr2].name" || got[0].Severity != Warning ||
		!strings.Contains(got[0].Message, `no AttachedCluster "memebr2" in namespace default among these files (there are member1)`) {
		t.Fatalf("misspelt cluster (and a Cluster of a kind not among the files, not judged): %+v", got)
	}
}
