# Rampart's container image: `docker build -t registry.example.com/rampart:0.1.0 .`
# Multi-stage: the release build in the Rust image, the binary and the style sheet in a slim
# Debian image, run as an unprivileged user. It expects an external PostgreSQL (DATABASE_URL);
# the embedded one is for running on a workstation.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin rampart

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin rampart
WORKDIR /app
COPY --from=build /src/target/release/rampart /usr/local/bin/rampart
COPY style /app/style
USER 10001:10001
EXPOSE 3000
ENTRYPOINT ["rampart"]
CMD ["serve", "--listen", "0.0.0.0:3000"]
