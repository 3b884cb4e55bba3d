# bus-tools as a container: the CLI is the entrypoint.
#
#   docker build -t bus-tools .
#   docker run --rm -v /data:/data bus-tools predict -i /data/scans -o /data/pred --shard auto/8
#
# Two stages: the first installs every dependency and compiles the TypeScript; the second holds only
# the compiled packages and the production dependencies (no compiler, no npm cache, no build tools).
# onnxruntime-node's install script would download CUDA libraries from outside the npm registry; the
# CPU provider ships inside the npm package, so the download is skipped.

FROM node:20-bookworm-slim AS build
ENV ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages/core/package.json packages/core/
COPY packages/infer/package.json packages/infer/
COPY packages/cli/package.json packages/cli/
# `prepare` (tsc -b) needs the sources, which come next: install without running scripts.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY packages packages
# sharp's prebuilt libvips (@img/sharp-<platform>) and onnxruntime-node's binaries come inside the
# npm packages, so no install script is needed for them either.
RUN npx tsc -b \
 && npm ci --omit=dev --no-audit --no-fund --ignore-scripts \
 && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production ONNXRUNTIME_NODE_INSTALL=skip
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/packages/core/package.json packages/core/
COPY --from=build /app/packages/core/dist packages/core/dist
COPY --from=build /app/packages/infer/package.json packages/infer/
COPY --from=build /app/packages/infer/dist packages/infer/dist
COPY --from=build /app/packages/infer/models packages/infer/models
COPY --from=build /app/packages/infer/web packages/infer/web
COPY --from=build /app/packages/cli/package.json packages/cli/
COPY --from=build /app/packages/cli/dist packages/cli/dist
COPY --from=build /app/packages/cli/bin packages/cli/bin
# The image's own tools for building native modules are not needed at run time.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /opt/yarn* /usr/local/bin/yarn /usr/local/bin/yarnpkg
USER node
ENTRYPOINT ["node", "/app/packages/cli/bin/bus-tools.js"]
CMD ["--help"]
