# syncd's one image: sync_service, worker_service and gateway (with the web UI), for compose.yaml.
#
#   docker compose build             # or: docker build -t syncd .
#   docker run --rm syncd sync_service --help
#
# Stages: `build` compiles the C++ on Debian 12 with the packages of scripts/lib.sh (the one list the
# scripts and CI use); `web` builds the UI with Node.js 20 (Debian 12's nodejs 18 is too old for Vite 7;
# node:20-bookworm is Debian 12 as well); the runtime stage holds the three binaries, the UI's built files
# and the shared libraries the binaries link (found with ldd and dpkg, not listed by hand), and runs as an
# unprivileged user.

# ---------------------------------------------------------------------------------------------------------
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
# The package list first, so that editing sources does not reinstall packages.
COPY scripts/lib.sh /src/scripts/lib.sh
RUN /src/scripts/lib.sh install && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYNCD_INTEGRATION_TESTS=OFF \
    && cmake --build /build --target sync_service worker_service gateway \
    && mkdir -p /out/bin \
    && cp /build/sync_service/sync_service /build/worker_service/worker_service /build/gateway/gateway /out/bin/ \
    && strip /out/bin/*
# The Debian packages that hold the shared libraries the binaries load, for the runtime stage. (Debian 12
# is usr-merged: dpkg knows some libraries under /lib, others under /usr/lib, so ask for both.)
RUN ldd /out/bin/* | awk '$3 ~ /^\// { print $3 }' | xargs -r realpath | sort -u \
    | while read -r lib; do dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}"; done \
    | cut -d: -f1 | sort -u > /out/runtime-packages \
    && cat /out/runtime-packages && test -s /out/runtime-packages

# ---------------------------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY gateway/ /src/gateway/
# The UI is optional for the image: without gateway/web the gateway serves the API only.
RUN if [ -f /src/gateway/web/package.json ]; then \
      cd /src/gateway/web && npm ci --no-audit --no-fund --loglevel=error && npm run build \
      && cp -r dist/. /web/; \
    fi

# ---------------------------------------------------------------------------------------------------------
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages /tmp/runtime-packages
# ca-certificates: HTTPS sources of the HTTP_JSON connector; curl: the HTTP health checks in compose.yaml.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl $(cat /tmp/runtime-packages) \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin syncd
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=web /web/ /usr/share/syncd/web/
USER syncd
# Every program stops gracefully on SIGTERM: sync_service finishes in-flight RPCs, a worker drains (lets its
# syncs finish and reports them, WORKER_DRAIN_TIMEOUT); compose.yaml gives each a stop_grace_period longer
# than that.
STOPSIGNAL SIGTERM
# Defaults for the gateway; compose.yaml sets them explicitly.
ENV GATEWAY_WEB_ROOT=/usr/share/syncd/web
EXPOSE 50051 9090 8081 8080
CMD ["sync_service", "--help"]
