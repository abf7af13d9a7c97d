# Sitrep: one image for every mode (Socket Mode, HTTP mode, demo). Built from pyproject.toml.
#   docker build -t sitrep .            docker compose up     (bot + PostgreSQL: compose.yaml)
# Not built on the machine that wrote it (no Docker daemon there): see docs/OPERATIONS.md, "Docker".

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md run.py ./
COPY bot ./bot
COPY handlers ./handlers
COPY config ./config
# The postgres extra brings asyncpg; everything installs under /install, copied whole below.
RUN pip install --no-cache-dir --prefix=/install ".[postgres]"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SITREP_CACHE_DIR=/app/var/cache \
    PORT=3000 \
    METRICS_PORT=9464
# A user of its own, no login, no root: the bot only needs to write its SQLite file (./var/).
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin sitrep \
    && mkdir -p /app/var \
    && chown sitrep:sitrep /app/var
COPY --from=build /install /usr/local
WORKDIR /app
USER sitrep
# PORT: Slack's requests in HTTP mode (and /healthz, /metrics). METRICS_PORT: /healthz and /metrics
# in every mode; keep it private (compose binds it to 127.0.0.1).
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['METRICS_PORT'] + '/healthz', timeout=4)"]
# SIGTERM stops the bot cleanly (exit 0); queued messages wait in the outbox for the next start.
STOPSIGNAL SIGTERM
ENTRYPOINT ["sitrep"]
CMD ["run"]
