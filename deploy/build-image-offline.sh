#!/bin/bash
# Build the container image without Docker Hub or a Docker daemon (docs/deploy.md, "Checked").
#
#   sudo deploy/build-image-offline.sh [TAG]          # default TAG: localhost/oncall:test
#
# Needs, as root on Debian bookworm: apt-get install podman buildah debootstrap runc
#
# 1. A local stand-in for python:3.11-slim: a minbase bookworm made with debootstrap, with
#    python3 (3.11 on bookworm) and python3-venv, and /usr/local/bin/python -> python3 as in
#    the real image, imported as docker.io/library/python:3.11-slim. Skipped when an image of
#    that name exists already (the real one pulled earlier, or a previous run's).
# 2. The Dockerfile built with podman: vfs storage, chroot isolation, --pull=never (so FROM
#    finds the local image), --format docker (the OCI format drops HEALTHCHECK).
#
# Settings (environment):
#   MIRROR      the Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   WORKDIR     where the root file system and its tarball go (default: a new /tmp directory)
#   CA_BUNDLE   a CA bundle to trust in the build's RUN steps, for a host that reaches PyPI
#               through a TLS-inspecting proxy (e.g. /etc/ssl/certs/ca-certificates.crt);
#               mounted over the base's bundle for the RUN steps only, never stored
#   REBUILD_BASE=1   make the base image again even if one exists
set -euo pipefail

TAG=${1:-localhost/oncall:test}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BASE=docker.io/library/python:3.11-slim
REPO=$(cd "$(dirname "$0")/.." && pwd)
PODMAN=(podman --storage-driver vfs)

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (debootstrap, vfs storage and chroot isolation need it)" >&2
    exit 1
fi

if [ "${REBUILD_BASE:-0}" = 1 ] || ! "${PODMAN[@]}" image exists "$BASE"; then
    WORKDIR=${WORKDIR:-$(mktemp -d /tmp/oncall-base.XXXXXX)}
    ROOTFS=$WORKDIR/rootfs
    debootstrap --variant=minbase --include=python3,python3-venv bookworm "$ROOTFS" "$MIRROR"
    ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python"
    ln -sf /usr/bin/python3 "$ROOTFS/usr/local/bin/python3"
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin
    tar --numeric-owner -C "$ROOTFS" -cf "$WORKDIR/base.tar" .
    "${PODMAN[@]}" import --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
        "$WORKDIR/base.tar" "$BASE"
    rm -rf "$ROOTFS" "$WORKDIR/base.tar"
fi

MOUNTS=()
if [ -n "${CA_BUNDLE:-}" ]; then
    # Over the base's own bundle, which Debian's pip reads: no file is left in the image.
    MOUNTS=(-v "$CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro")
fi

"${PODMAN[@]}" build --isolation chroot --pull=never --format docker --jobs 1 \
    "${MOUNTS[@]}" -t "$TAG" "$REPO"

"${PODMAN[@]}" image inspect "$TAG" --format 'built {{.RepoTags}}: user {{.Config.User}}, cmd {{.Config.Cmd}}'
