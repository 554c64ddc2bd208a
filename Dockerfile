# Longhaul worker image (also runs the CLI and the emulator): `docker compose up` builds it from this repository.
# Stage 1 builds TypeScript and a prebuilt workflow bundle; stage 2 carries only what runs.

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary matches the platform
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY bench ./bench
RUN npm run build
# bundle the workflows once here, so a worker starts without running webpack (LONGHAUL_WORKFLOW_BUNDLE)
RUN node -e "require('@temporalio/worker').bundleWorkflowCode({ workflowsPath: require.resolve('./dist/workflows') }).then((b) => require('node:fs').writeFileSync('dist/workflow-bundle.js', b.code))"
RUN npm prune --omit=dev

FROM node:20.20.2-bookworm-slim
WORKDIR /app
# A worker's memory (docs/performance.md, "Worker memory"; bench/end-to-end.bench.ts runs its worker so):
# MALLOC_ARENA_MAX: glibc's per-thread arenas keep freed buffers (render threads, 1 MiB I/O buffers) as
# resident memory; two arenas keep a worker's RSS flat over long jobs.
# MALLOC_MMAP_THRESHOLD_: buffers of 128 KiB and more get pages of their own, given back when freed; glibc's
# moving threshold otherwise puts them on its heap, which keeps ~100 MB resident after prepare and submit.
# --max-semi-space-size=2: a 4 MB young generation instead of 32, for ~3% of throughput.
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    NODE_OPTIONS=--max-semi-space-size=2 \
    LONGHAUL_DATA_DIR=/data \
    LONGHAUL_METRICS_PORT=9464 \
    LONGHAUL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY examples ./examples
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9464
# SIGTERM (docker stop) shuts the worker down gracefully: running activities finish or move to another worker
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/longhaul.js"]
CMD ["worker"]
