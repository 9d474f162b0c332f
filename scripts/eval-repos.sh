#!/usr/bin/env bash
# The evaluation behind the README's table: the two fixture projects and two real TypeScript packages from
# npm that ship their sources (immer, zod; installed here into a work folder, with their dependencies).
# Usage: scripts/eval-repos.sh [WORK_DIR] [SAMPLES] [MAX_SITES]   (run `npm run build` first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
samples=${2:-4}
sites=${3:-40}
cli="node $root/dist/src/cli/main.js"
mkdir -p "$work" && cd "$work"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts immer@11.2.10 zod@4.6.7 >/dev/null
declare -A repos=([fixture-ts]="$root/fixtures/ts-project" [fixture-py]="$root/fixtures/py-project" [immer]="$work/node_modules/immer" [zod]="$work/node_modules/zod")
for name in fixture-ts fixture-py immer zod; do
  echo "== $name"
  $cli eval build --repo "${repos[$name]}" --out "$name.jsonl" --max-sites "$sites" --seed 1 2> "$name.build.log"
  $cli eval run --dataset "$name.jsonl" --out "results-$name" --samples "$samples"
  $cli eval report --results "results-$name"
done
echo "work folder: $work"
