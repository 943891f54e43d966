# Burndown: one image for the API, the worker and the migrations (docs/DEPLOY.md).
#   docker build -t burndown .
#   docker run burndown                                  # the API (node dist/src/cli/api.js)
#   docker run burndown node dist/workers/main.js        # the worker
#   docker run burndown node dist/src/cli/migrate.js     # the migrations, as a separate step

# Build: every dependency, tsc to dist/, the workflow bundles built ahead of time, the web UI to dist/ui.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm 11 honours package.json allowScripts (the install scripts `npm ci` may run).
RUN npm install -g npm@11 --no-audit --no-fund
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workflows workflows
COPY activities activities
COPY workers workers
COPY migrations migrations
COPY plans plans
RUN npm run build

# Runtime: production dependencies only, the compiled code and the data files, as a non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production BURNDOWN_ENV=production HOST=0.0.0.0 PORT=3000 \
    METRICS_LISTEN=0.0.0.0:9464 WORKER_METRICS_LISTEN=0.0.0.0:9465
WORKDIR /app
RUN npm install -g npm@11 --no-audit --no-fund
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
# The web UI's sources: the API checks that dist/ui holds the build of these (src/ui/build.ts).
COPY src/ui/client src/ui/client
COPY catalog catalog
COPY pricing pricing
COPY accounting accounting
USER node
EXPOSE 3000 9464 9465
# The API's V8 old space is bounded (docs/PERFORMANCE.md, reads): its live heap is about 90 MB; unbounded, V8 let it grow to 350 MB under load.
CMD ["node", "--max-old-space-size=192", "dist/src/cli/api.js"]
