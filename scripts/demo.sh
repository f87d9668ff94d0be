#!/usr/bin/env bash
# npm run demo: build a vulnerability database from the real feeds in ../shared/data (no network),
# then scan two fixture images with it. Everything it writes stays in .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${SHIPSHAPE_SHARED:-../shared}"
if [ ! -d "$shared/data/vuln/feeds" ]; then
  echo "demo: $shared/data/vuln/feeds not found; set SHIPSHAPE_SHARED to the shared data folder" >&2
  exit 2
fi
db=".demo/db.sqlite"
rm -rf .demo && mkdir -p .demo
echo "== shipshape db import $shared/data/vuln/feeds (Alpine secdb, Go vulndb, PyPA, RustSec, Node.js WG, CISA KEV)"
node bin/shipshape.js db import --db "$db" "$shared/data/vuln/feeds" 2>/dev/null
echo
echo "== shipshape scan: the real alpine:3.10 image from 2019"
node bin/shipshape.js scan --no-cache --db "$db" \
  "docker-archive:$shared/fixtures/real-images/aquasecurity+trivy/_history/6013ed9fd7f0/integration/testdata/fixtures/alpine-310.tar.gz" || true
echo
echo "== shipshape scan --policy builtin:default: debian12-app (its Go binary against the Go vulndb; Debian's own data is not in ../shared)"
set +e
node bin/shipshape.js scan --no-cache --db "$db" --policy builtin:default "oci-archive:$shared/fixtures/images/debian12-app.oci.tar"
echo "exit code: $? (0 passed, 1 the policy failed, 2 could not scan)"
echo
echo "== shipshape lint: the Containerfile that built debian12-app"
node bin/shipshape.js lint "$shared/fixtures/build/debian12-app/Containerfile"
echo "exit code: $? (0 clean, 1 findings at or over the threshold, 2 could not read)"
echo
echo "== shipshape audit scan: Elastic's real Kubernetes audit samples with Falco's k8s_audit rules"
node bin/shipshape.js audit scan --format table \
  --rules "$shared/data/audit/falco/falco_rules_lists_used_by_k8s_audit.2022-12.yaml" \
  --rules "$shared/data/audit/falco/k8s_audit_rules.yaml" \
  "$shared/data/audit/k8s/test-kube-audit.log"
echo "exit code: $?"
