# syntax=docker/dockerfile:1
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:24.22.3-bookworm-slim
# bridge_build_info{commit}: `docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD) .`
ARG GIT_COMMIT=unknown
ENV NODE_ENV=production GIT_COMMIT=$GIT_COMMIT
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Owned by the runtime user, so a named volume mounted here (the compose stack's simulator keys) is writable.
# SPOOL_DIR is the only place the bridge writes at run time; as a volume it stays writable when the root
# filesystem is read-only (`docker run --read-only`, the chart's readOnlyRootFilesystem with an emptyDir there).
RUN mkdir -p /keys /var/spool/brreg-efm-bridge && chown 10001:10001 /keys /var/spool/brreg-efm-bridge
ENV SPOOL_DIR=/var/spool/brreg-efm-bridge
VOLUME ["/var/spool/brreg-efm-bridge"]
USER 10001:10001
EXPOSE 3000
# node itself is PID 1 (no shell in between), so SIGTERM reaches it and the drain runs. A 1 MiB young generation:
# on Node 24 a long stream's socket buffers count as external memory and, with little JS garbage, V8 otherwise
# waits for full-heap collections; RSS growth at 4 GiB was +98.5 MiB without it and +48.5 MiB with it, and the
# transfer's CPU fell by about 0.6 ms/MiB (docs/benchmarks.md, "Node 24").
CMD ["node", "--max-semi-space-size=1", "dist/src/main.js"]
