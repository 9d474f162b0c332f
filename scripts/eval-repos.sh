#!/usr/bin/env bash
# The evaluation behind the README's results: the two fixture projects and two real TypeScript packages from
# npm that ship their sources (immer, zod; installed into a work folder), each on the dereference task and the
# line-completion task, with and without monitors, left to right and fill-in-the-middle. Then it rewrites the
# README's results section (scripts/readme-results.mjs). Resumable: rerun with the same WORK_DIR to finish.
# Usage: scripts/eval-repos.sh [WORK_DIR] [SAMPLES] [MAX_SITES]   (run `npm run build` first)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mkdir -p "${1:-$(mktemp -d)}" && cd "${1:-.}" && pwd)
samples=${2:-4}
sites=${3:-40}
cli="node $root/dist/src/cli/main.js"
cd "$work"
[ -f package.json ] || npm init -y >/dev/null
[ -d node_modules/immer ] || npm install --no-audit --no-fund --ignore-scripts immer@11.2.10 zod@4.6.7 >/dev/null
# immer declares typescript (^5.0.2) as a devDependency, which npm does not install for a dependency: give it
# its own copy, so its CR is judged by the compiler it asks for (zod declares none: lsp-codegen's judges it).
if [ ! -d node_modules/immer/node_modules/typescript ]; then
  range=$(node -p "require('./node_modules/immer/package.json').devDependencies.typescript")
  tarball=$(npm pack --silent "typescript@$range")
  mkdir -p node_modules/immer/node_modules/typescript
  tar xzf "$tarball" -C node_modules/immer/node_modules/typescript --strip-components=1
  rm -f "$tarball"
fi
declare -A repos=([fixture-ts]="$root/fixtures/ts-project" [fixture-py]="$root/fixtures/py-project" [immer]="$work/node_modules/immer" [zod]="$work/node_modules/zod")
for name in fixture-ts fixture-py immer zod; do
  echo "== $name"
  [ -f "$name.jsonl" ] || $cli eval build --repo "${repos[$name]}" --out "$name.jsonl" --max-sites "$sites" --seed 1 2> "$name.build.log"
  [ -f "$name-line.jsonl" ] || $cli eval build --task line --repo "${repos[$name]}" --out "$name-line.jsonl" --max-sites "$sites" --seed 1 2> "$name-line.build.log"
  $cli eval run --dataset "$name.jsonl" --out "results-$name" --samples "$samples" --configs greedy,greedy+fim,greedy+mgd,greedy+mgd+fim,sample,sample+mgd 2> "results-$name.log"
  $cli eval run --dataset "$name-line.jsonl" --out "results-$name-line" --samples "$samples" --configs greedy,greedy+fim,greedy+mgd-all,greedy+mgd-all+fim 2> "results-$name-line.log"
  $cli eval report --results "results-$name" > /dev/null
  $cli eval report --results "results-$name-line" > /dev/null
done
node "$root/scripts/readme-results.mjs" "$work"
echo "work folder: $work"
