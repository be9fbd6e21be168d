# notice-ingest serve: the review page and the HTTP API in a small image.
#
#   docker build -t notice-ingest .
#   docker run --rm -p 8080:8080 notice-ingest            # http://localhost:8080/
#   docker run --rm -p 8080:8080 -v /etc/notice-ingest/token:/run/secrets/token:ro \
#     notice-ingest serve --bind 0.0.0.0:8080 --token-file /run/secrets/token   # the file readable by the image's user
#
# Stage 1 builds the release binary with the locked crates; stage 2 is Debian slim with only the
# binary (every asset of the page is inside it) running as an unprivileged user.

FROM rust:1-slim-bookworm AS build
# make builds jemalloc, the program's allocator (tikv-jemalloc-sys).
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY schemas ./schemas
COPY benches ./benches
COPY examples ./examples
COPY tests ./tests
# A service starts once: it keeps the position-independent executable (and its randomized
# address) that build.rs otherwise trades for a faster start of each short run.
ENV NOTICE_INGEST_PIE=1
RUN cargo build --profile dist --locked --bin notice-ingest \
 && strip target/dist/notice-ingest

FROM debian:bookworm-slim
RUN useradd --system --no-create-home --shell /usr/sbin/nologin notice-ingest
COPY --from=build /src/target/dist/notice-ingest /usr/local/bin/notice-ingest
USER notice-ingest
EXPOSE 8080
# Inside a container the service must listen on every interface to be reached through -p.
ENTRYPOINT ["notice-ingest"]
CMD ["serve", "--bind", "0.0.0.0:8080"]
