#!/usr/bin/env bash
# The listings of a large registry on PostgreSQL through the metadata store (no HTTP):
# `_catalog?n=10000` over 10,000 repositories, a page of 100, and a 10,000-tag tag list, cold
# (every call asks the database) and through the read cache. A throwaway PostgreSQL 15 cluster
# on loopback (tests/fixtures/postgres_server.py) is filled with SQL in one go, since pushing
# 10,000 repositories would measure the pushes. The HTTP side (regmirror serve on the same
# database) is bench/scale_out.py's.
#
#   bench/catalog_pg.sh            (BUILD=build by default; builds metadata_pg_bench)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
repositories=10000
tags=10000

cmake --build "$build" --target metadata_pg_bench regmirror >/dev/null
work=$(mktemp -d)
trap 'python3 "$root/tests/fixtures/postgres_server.py" stop "$work/pg" >/dev/null; rm -rf "$work"' EXIT
url=$(python3 "$root/tests/fixtures/postgres_server.py" start "$work/pg")
"$build/src/cli/regmirror" migrate --database "$url" >/dev/null

digest="sha256:$(printf '%064d' 1)"
psql "$url" -v ON_ERROR_STOP=1 -q <<SQL
BEGIN;
INSERT INTO repositories (name)
  SELECT 'bench/repo-' || lpad(i::text, 6, '0') FROM generate_series(1, $((repositories - 1))) AS i;
INSERT INTO repositories (name) VALUES ('bench/tagged');
INSERT INTO manifests (repository_id, digest, media_type, size, artifact_type, annotations)
  SELECT id, '$digest', 'application/vnd.oci.image.manifest.v1+json', 500, '', ''
  FROM repositories WHERE name = 'bench/tagged';
INSERT INTO tags (repository_id, name, digest)
  SELECT r.id, 'tag-' || lpad(i::text, 6, '0'), '$digest'
  FROM repositories r, generate_series(1, $tags) AS i WHERE r.name = 'bench/tagged';
COMMIT;
ANALYZE;
SQL

REGMIRROR_BENCH_DATABASE=$url "$build/src/metadata/metadata_pg_bench"
