# scenario-fn as a KRM function container, built by `make image` with
# Docker, Podman or Buildah (CONTAINER_ENGINE=docker|podman|buildah).
#
# make first cross-compiles the static binary (CGO_ENABLED=0, templates and
# CRDs embedded) for every platform into dist/image/linux_<arch>/, so the
# image starts FROM scratch: no base image to pull, no network, the same
# binary as `make build`. It holds only the binary and a passwd/group entry
# for the non-root user 65532 (the KRM function spec requires a non-root
# container); it needs nothing writable and no network:
#   podman run --rm -i --read-only --network none --cap-drop ALL scenario-fn:dev < resourcelist.yaml
FROM scratch
ARG TARGETARCH
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="scenario-fn" \
      org.opencontainers.image.description="Kurator scenario templates and image registry swap, as a KRM function" \
      org.opencontainers.image.source="https://github.com/kurator-scenario/scenario-fn" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY build/image/passwd /etc/passwd
COPY build/image/group /etc/group
COPY dist/image/linux_${TARGETARCH}/scenario-fn /usr/local/bin/scenario-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/scenario-fn"]
