# syntax=docker/dockerfile:1
# One image for every subcommand (api, worker, migrate, relay-sim, ...):
#   docker build -t sendingo .
#   docker run --rm sendingo --help
# Stages: the web console (Vite, npm ci from the lockfile), a static Go binary
# that embeds it, and a distroless non-root runtime.

# ── web console ───────────────────────────────────────────────────────────────
FROM node:22.18.0-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web/ ./
# The console's API types are generated from the spec.
COPY api/openapi.yaml /src/api/openapi.yaml
RUN npm run build

# ── Go binary ─────────────────────────────────────────────────────────────────
FROM golang:1.26.5-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
COPY --from=web /src/web/dist ./web/dist
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -ldflags="-s -w" -o /out/sendingo ./cmd/sendingo

# busybox's static wget is the only extra tool: the health probes of
# docker-compose.yml call it (distroless has no shell or curl).
FROM busybox:1.37.0-musl AS probe

# ── runtime ───────────────────────────────────────────────────────────────────
# distroless/static: CA certificates and /etc/passwd, no shell, no package
# manager; runs as nonroot (uid 65532). Time zones are compiled into the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=probe /bin/wget /usr/local/bin/wget
COPY --from=build /out/sendingo /usr/local/bin/sendingo
USER nonroot:nonroot
EXPOSE 8080 8090 9090
# No HEALTHCHECK here: the image runs the api (:8080/healthz), the worker
# (:9090/healthz) and one-off jobs alike, so each deployment probes what it
# runs (docker-compose.yml; on ECS the ALB and the worker task's health check).
ENTRYPOINT ["/usr/local/bin/sendingo"]
CMD ["api"]
