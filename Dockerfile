# The on-call bot's container image (docs/deploy.md): `oncall serve` as a non-root user.
#
#   docker build -t oncall .
#   docker run --rm -p 8080:8080 --env-file deploy/oncall.env oncall
#
# Without Docker Hub or a Docker daemon: deploy/build-image-offline.sh (podman). With podman or
# buildah, build with --format docker: the default OCI format drops the HEALTHCHECK.
#
# Nothing secret is baked in: every token and password comes from the environment at run
# time (--env-file, the orchestrator's secrets). The HTTP process starts its worker itself.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# .dockerignore lets in only what the package needs (no .git, .venv, .env or databases).
COPY pyproject.toml README.md ./
COPY core ./core
COPY storage ./storage
COPY scheduling ./scheduling
COPY integrations ./integrations
COPY bot ./bot
COPY web ./web
# A regular (non-editable) install into a virtual environment copied whole to the final stage.
RUN python -m venv /opt/oncall \
 && /opt/oncall/bin/pip install . \
 && /opt/oncall/bin/oncall --help > /dev/null

FROM python:3.11-slim
# A fixed uid and gid, so volume ownership and Kubernetes' runAsUser can name them.
RUN groupadd --system --gid 10001 oncall \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/oncall --create-home \
        --shell /usr/sbin/nologin oncall
COPY --from=build /opt/oncall /opt/oncall
# ONCALL_HOST=0.0.0.0: reachable from outside the container, so `oncall serve` refuses to
# start until ONCALL_DASHBOARD_TOKEN is given at run time.
ENV PATH=/opt/oncall/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ONCALL_HOST=0.0.0.0 \
    PORT=8080
# The default SQLite file (./oncall.db) lands here; production uses ONCALL_DATABASE_URL.
WORKDIR /var/lib/oncall
USER 10001:10001
EXPOSE 8080
# Liveness without curl (not in the slim image): python's urllib, exit 1 on any failure.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4).status == 200 else 1)"]
CMD ["oncall", "serve"]
