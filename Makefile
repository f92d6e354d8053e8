# scenario-fn — see README.md. Every tool is pinned and installed into ./bin.
SHELL := /usr/bin/env bash
export GOTOOLCHAIN := local

BIN        := $(CURDIR)/bin
FN         := $(BIN)/scenario-fn
KUSTOMIZE  := $(BIN)/kustomize
KUSTOMIZE_VERSION := v5.8.2
STATICCHECK := $(BIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
# Semantic version tags vX.Y.Z; between tags a Go pseudo-version (scripts/version.sh).
ifeq ($(origin VERSION),undefined)
VERSION    := $(shell scripts/version.sh)
endif
ifeq ($(origin COMMIT),undefined)
COMMIT     := $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
endif
LDFLAGS    := -s -w -X github.com/kurator-scenario/scenario-fn/cli.Version=$(VERSION) -X github.com/kurator-scenario/scenario-fn/cli.Commit=$(COMMIT)
GOBUILD    := CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags '$(LDFLAGS)'
# The image: `make image CONTAINER_ENGINE=podman` (or docker, buildah).
CONTAINER_ENGINE ?= docker
IMAGE      ?= scenario-fn:dev
PLATFORMS  ?= linux/amd64,linux/arm64
# every Go module of the repository (the e2e module keeps heavy test-only dependencies)
MODULES    := . $(patsubst %/go.mod,%,$(shell git ls-files '*/go.mod' 2>/dev/null))
FUZZTIME   ?= 30s

.PHONY: all build tools e2e-tools charts test unit scenarios e2e race bench bench-micro demo fuzz image image-binaries release-snapshot lint clean kurator-corpus

all: build

## build: the static scenario-fn binary in ./bin
build:
	$(GOBUILD) -o $(FN) .

## tools: pinned kustomize and staticcheck in ./bin (kpt comes from the machine: /usr/bin/kpt)
tools: $(KUSTOMIZE) $(STATICCHECK)
$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
$(STATICCHECK):
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## e2e-tools: pinned crane, helm and distribution's registry in ./bin, for the real-registry e2e test
CRANE_VERSION    := v0.22.1
HELM_VERSION     := v3.22.0
REGISTRY_VERSION := v3.0.0
e2e-tools: $(BIN)/crane $(BIN)/helm $(BIN)/registry
$(BIN)/crane:
	GOBIN=$(BIN) go install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)
$(BIN)/helm:
	GOBIN=$(BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
$(BIN)/registry:
	GOBIN=$(BIN) go install github.com/distribution/distribution/v3/cmd/registry@$(REGISTRY_VERSION)

## charts: bin/scenario-fn-charts, which lists a Fleet's chart images with Helm's engine (its own module: Helm stays out of the function)
charts:
	cd cmd/scenario-fn-charts && CGO_ENABLED=0 go build -trimpath -o $(BIN)/scenario-fn-charts .

## test: lint, unit tests with the race detector, then end-to-end tests with the real runners
test: lint unit scenarios e2e

unit: tools
	KUSTOMIZE=$(KUSTOMIZE) go test -race -count=1 ./...

## scenarios: the catalog measured against Kurator's documented scenarios (prints the table)
scenarios:
	@set -o pipefail; go test -count=1 -run '^TestScenarios$$' -v ./generators/ | grep -v -e '^=== ' -e '^    --- PASS'

e2e: build tools e2e-tools
	@if [ -d e2e ]; then cd e2e && SCENARIO_FN=$(FN) KUSTOMIZE=$(KUSTOMIZE) go test -count=1 ./...; fi
	@# Argo CD's own cmp-server and repo-server code, in its own module (its dependency graph is argo-cd's).
	@if [ -d e2e/argocd ]; then cd e2e/argocd && go test -count=1 ./...; fi
	cd cmd/scenario-fn-charts && go test -count=1 ./...

## lint: gofmt, go vet, staticcheck and go mod tidy in every module
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@for m in $(MODULES); do (cd $$m && echo "lint $$m" && go vet ./... && $(STATICCHECK) ./... && go mod tidy -diff) || exit 1; done

## bench: whole-process benchmarks (stdin -> stdout, under kpt and kustomize) against floors built
## and measured in the same run, targets checked as ratios; then the in-process diagnostics (also
## when a target is missed: the exit status is procbench's)
bench: build tools
	@rc=0; go run ./internal/procbench -fn $(FN) -kustomize $(KUSTOMIZE) $(BENCHFLAGS) || rc=$$?; \
	echo; echo "== Diagnostics: in-process microbenchmarks (not product targets) =="; \
	go run ./internal/benchreport -diagnostic || { [ $$rc -ne 0 ] || rc=1; }; \
	exit $$rc

## bench-micro: only the in-process microbenchmarks, with their own targets checked
bench-micro:
	go run ./internal/benchreport

## demo: render the quickstart example with a built-in template (stdout is only the YAML: make demo > out.yaml)
demo:
	@$(MAKE) --no-print-directory build tools >&2
	@$(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/quickstart

## fuzz: each fuzz target for FUZZTIME
fuzz:
	go run ./internal/fuzzall -fuzztime $(FUZZTIME)

## image: the multi-arch container image $(IMAGE) FROM scratch (CONTAINER_ENGINE=docker|podman|buildah; offline)
image: image-binaries
	@case "$(CONTAINER_ENGINE)" in \
	docker) set -x; docker buildx build --platform $(PLATFORMS) --load $(IMAGE_ARGS) -t $(IMAGE) . ;; \
	podman|buildah) set -x; $(CONTAINER_ENGINE) manifest rm $(IMAGE) >/dev/null 2>&1 || true; \
		$(CONTAINER_ENGINE) build --platform $(PLATFORMS) --manifest $(IMAGE) $(IMAGE_ARGS) . ;; \
	*) echo "CONTAINER_ENGINE=$(CONTAINER_ENGINE): use docker, podman or buildah" >&2; exit 2 ;; \
	esac
IMAGE_ARGS = --build-arg VERSION=$(VERSION) --build-arg REVISION=$(COMMIT)

## image-binaries: the static linux binaries the image copies, in dist/image/linux_<arch>/
image-binaries:
	@for p in $(subst $(comma), ,$(PLATFORMS)); do \
		arch=$${p#linux/}; echo "build $$p"; \
		GOOS=linux GOARCH=$$arch $(GOBUILD) -o dist/image/linux_$$arch/scenario-fn . || exit 1; \
	done
comma := ,

## release-snapshot: static binaries for linux/darwin x amd64/arm64, archives, SHA-256 checksums, SPDX SBOMs in dist/release/
release-snapshot:
	go run ./internal/release -version $(VERSION) -commit $(COMMIT) -out dist/release

## kurator-corpus: extract Kurator's examples and doc manifests (KURATOR=path of a kurator-dev/kurator clone) for the e2e corpus test
kurator-corpus:
	hack/kurator-corpus.sh $(KURATOR)

clean:
	rm -rf $(BIN) dist
