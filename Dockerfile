# syntax=docker/dockerfile:1
# scenario-fn as a KRM function container: `make image`.
#
# A static binary (CGO_ENABLED=0) with the templates and CRDs embedded, on
# distroless static as the non-root user (the KRM function spec requires a
# non-root container). It needs no network and writes nothing, so it runs
# with a read-only root filesystem:
#   docker run --rm -i --read-only --network none --cap-drop ALL scenario-fn:dev < resourcelist.yaml

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
RUN go build -ldflags "-s -w \
      -X github.com/kurator-scenario/scenario-fn/cli.Version=${VERSION} \
      -X github.com/kurator-scenario/scenario-fn/cli.Commit=${COMMIT}" \
      -o /out/scenario-fn . \
 && /out/scenario-fn --version

FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="scenario-fn" \
      org.opencontainers.image.description="Kurator scenario templates and image registry swap, as a KRM function" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/scenario-fn /usr/local/bin/scenario-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/scenario-fn"]
