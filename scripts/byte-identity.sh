#!/usr/bin/env bash
# Byte-identity check: runs the same gad-data builds at git REF and at the working tree and compares every output
# file byte for byte (a sha256 listing per build). Use it to show that a change which should not change any output
# (moving files, refactoring) did not.
#
#   scripts/byte-identity.sh [REF]      REF defaults to origin/main when that ref exists, else HEAD~1
#
# Needs only git, Node 20 and npm. REF is checked out with `git worktree add` into a temporary folder, built and
# run; then the working tree (tracked and untracked files, not the ignored ones: no dist/, node_modules/, outputs)
# is copied to the same folder, built and run. Both sides are built from scratch the same way (`npm run build`),
# at the same absolute paths and with the same file modification times; the working tree's own dist/ is left
# alone. Each side reuses this checkout's node_modules through a symlink when its package-lock.json is the same
# as the working tree's, else runs `npm ci`. Each build runs in an empty folder of its own, on its side's bundled
# sample.
#
# The builds (the README's and docs' commands on the bundled sample):
#   verl       `gad-data build` (no arguments: the bundled sample, target verl)
#   easyr1     `gad-data build --target easyr1`
#   gad        the GAD build with a teacher file (docs/gad-recipe.md), then `export sft` and `export rm` from it
#   partition  `gad-data build --partition 0/2`, `--partition 1/2`, then `gad-data merge` (docs/scale-out.md)
# A build passes when every command exits 0 on both sides and both sides wrote the same files with the same bytes.
# Every output file is compared but one, a part's rows.bin (the reason is at `not_compared` below); two runs of the
# same commit are otherwise byte-identical (checked with REF=HEAD on a clean tree).
#
# Prints a PASS/FAIL table; exit 0 all builds identical, 1 a difference or a failed command, 2 usage (bad REF, not
# a git checkout). BYTE_IDENTITY_BUILDS="verl gad" runs only those builds; KEEP=1 keeps the temporary folder (it
# is kept anyway, without the checkouts, when something differs, so the outputs can be compared).
set -euo pipefail

all_builds="verl easyr1 gad partition"
builds=${BYTE_IDENTITY_BUILDS:-$all_builds}
for b in $builds; do
  case " $all_builds " in *" $b "*) ;; *) echo "byte-identity: unknown build '$b' (builds: $all_builds)" >&2; exit 2 ;; esac
done

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel 2>/dev/null) || {
  echo "byte-identity: not inside a git checkout of gad-data" >&2
  exit 2
}
cd "$root"

if [ $# -ge 1 ]; then
  ref=$1
elif git rev-parse --verify --quiet origin/main >/dev/null; then
  ref=origin/main
else
  ref=HEAD~1
fi
commit=$(git rev-parse --verify --quiet "$ref^{commit}") || {
  echo "byte-identity: '$ref' is not a commit here (give a branch, tag or commit: scripts/byte-identity.sh main)" >&2
  exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gad-data-byte-identity.XXXXXX")
keep=${KEEP:-0}
checkout="$tmp/gad-data" # each side in turn is checked out here and its builds run in $tmp/runs/BUILD
# The node_modules symlink is removed first, so that nothing that deletes the checkout can reach through it.
unlink_modules() { if [ -L "$checkout/node_modules" ]; then rm "$checkout/node_modules"; fi; }
cleanup() {
  unlink_modules
  if git -C "$root" worktree list --porcelain | grep -qxF "worktree $checkout"; then
    git -C "$root" worktree remove --force "$checkout" >/dev/null 2>&1 || true
  fi
  git -C "$root" worktree prune >/dev/null 2>&1 || true
  rm -rf "$checkout"
  if [ "$keep" = 1 ]; then
    echo "outputs kept in $tmp/ref/runs and $tmp/work/runs (each build's log and sha256 listing beside it)"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

echo "byte-identity: $ref ($(git rev-parse --short "$commit")) against the working tree ($(git status --porcelain | wc -l | tr -d ' ') changed path(s) beyond HEAD $(git rev-parse --short HEAD))"

# --- the builds ------------------------------------------------------------------------------------------------
# Each runs with cwd = an empty folder of its own; gad runs the side's CLI, $sample is its bundled sample.
sample="$checkout/fixtures/sample"
gad() { node "$checkout/bin/gad-data.js" "$@"; }
run_verl() { gad build; }
run_easyr1() { gad build --target easyr1; }
run_gad() {
  gad build --train "$sample/train.jsonl" --val "$sample/test.jsonl" --prompt-key problem \
    --id-key id --format-prompt math --model qwen3-vl --teacher "$sample/teacher.jsonl" --out gad-data-out &&
    gad export sft --from gad-data-out &&
    gad export rm --from gad-data-out --student "$sample/student.jsonl"
}
run_partition() { gad build --partition 0/2 && gad build --partition 1/2 && gad merge --out gad-data-out; }

# The one file not compared. A part's gad-data-part/rows.bin holds each formatted row as node:v8 serialize()
# writes it, and V8 writes an integral number as a small integer or as an 8-byte double depending on how it holds
# the value at that moment: two runs of the same commit in the same folder wrote frames 8 bytes apart (the values
# are equal; the merge reads values). What the merge builds from it, gad-data-out/, is compared like every file.
not_compared='*/gad-data-part/rows.bin'

# side SIDE: with the side's files in $checkout, links or installs node_modules, runs `npm run build`, then every
# build, each writing $tmp/runs/BUILD/, BUILD.log, BUILD.rc (exit code) and BUILD.sha256; then moves
# $tmp/runs to $tmp/SIDE/runs. Both sides run at the same absolute paths: a partitioned build's part record
# (gad-data-part/part.json, rows.bin) holds the absolute paths of its folder and inputs, as the merge must run
# in the same folder (docs/scale-out.md); with the same paths it is compared like every other file.
side() {
  local side=$1 log="$tmp/$1/setup.log" name rc
  mkdir -p "$tmp/$side" "$tmp/runs"
  # One modification time for every file of both checkouts: a part's rows.bin records each input image's size and
  # mtime (the merge refuses a file changed since the part was built), and the two checkouts were written at
  # different times. The files' contents are what is compared, not when they were checked out.
  find "$checkout" -type f -exec touch -m -t 200001010000 {} +
  if [ -d "$root/node_modules" ] && cmp -s "$checkout/package-lock.json" "$root/package-lock.json"; then
    ln -s "$(cd "$root/node_modules" && pwd -P)" "$checkout/node_modules"
    echo "$side: node_modules linked (package-lock.json unchanged); npm run build ..."
  else
    echo "$side: npm ci (package-lock.json differs from the working tree's, or no node_modules here) ..."
    (cd "$checkout" && npm ci --no-audit --no-fund) >>"$log" 2>&1 || {
      tail -n 30 "$log" >&2
      echo "byte-identity: npm ci failed at $side (log above)" >&2
      exit 1
    }
  fi
  (cd "$checkout" && npm run build) >>"$log" 2>&1 || {
    tail -n 30 "$log" >&2
    echo "byte-identity: npm run build failed at $side (log above)" >&2
    exit 1
  }
  for name in $builds; do
    echo "  $side: $name"
    mkdir -p "$tmp/runs/$name"
    rc=0
    (cd "$tmp/runs/$name" && "run_$name") >"$tmp/runs/$name.log" 2>&1 || rc=$?
    echo "$rc" >"$tmp/runs/$name.rc"
    (cd "$tmp/runs/$name" && find . -type f ! -path "$not_compared" -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) \
      >"$tmp/runs/$name.sha256"
  done
  mv "$tmp/runs" "$tmp/$side/runs"
}

# REF, checked out with git worktree.
git worktree add --detach --quiet "$checkout" "$commit"
side ref
unlink_modules
git worktree remove --force "$checkout"
rm -rf "$checkout"

# The working tree as it is: tracked files that exist, plus untracked files that are not ignored.
mkdir -p "$checkout"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do
    case "$f" in node_modules | node_modules/* | .venv | .venv/* | dist/*) continue ;; esac
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
  done |
  tar --null -T - -cf - | tar -C "$checkout" -xf -
side work

# --- the comparison --------------------------------------------------------------------------------------------
failed=0
printf '\n%-10s %6s %6s %7s %8s  %s\n' build files differ ref-rc work-rc result
for name in $builds; do
  r="$tmp/ref/runs/$name" w="$tmp/work/runs/$name"
  rrc=$(cat "$r.rc") wrc=$(cat "$w.rc")
  files=$(wc -l <"$w.sha256" | tr -d ' ')
  # paths whose hash differs, or that only one side wrote
  differ=$(LC_ALL=C sort "$r.sha256" "$w.sha256" | uniq -u | sed 's/^[0-9a-f]*  //' | sort -u | wc -l | tr -d ' ')
  result=PASS
  if [ "$rrc" != 0 ] || [ "$wrc" != 0 ] || ! cmp -s "$r.sha256" "$w.sha256" || [ "$files" = 0 ]; then
    result=FAIL
    failed=1
  fi
  printf '%-10s %6s %6s %7s %8s  %s\n' "$name" "$files" "$differ" "$rrc" "$wrc" "$result"
done

echo "(not compared: $not_compared; see scripts/byte-identity.sh)"
if [ "$failed" = 0 ]; then
  echo
  echo "PASS: every output file is byte-identical at $ref and in the working tree"
  exit 0
fi

keep=1
set +o pipefail # the report below cuts long diffs with head, whose early exit is not an error
echo
for name in $builds; do
  r="$tmp/ref/runs/$name" w="$tmp/work/runs/$name"
  for side in ref work; do
    rc=$(cat "$tmp/$side/runs/$name.rc")
    if [ "$rc" != 0 ]; then
      echo "--- $name at $side exited $rc; the end of its log:"
      tail -n 15 "$tmp/$side/runs/$name.log"
    fi
  done
  if ! cmp -s "$r.sha256" "$w.sha256"; then
    echo "--- $name: sha256 listing, $ref (-) against the working tree (+)"
    diff -u --label "$ref" --label "working tree" "$r.sha256" "$w.sha256" | tail -n +3 || true
    # The first lines of the first differing text files (a file is text when grep -I finds no binary byte).
    diff "$r.sha256" "$w.sha256" | sed -n 's/^> [0-9a-f]*  \.\///p' | while IFS= read -r f; do
      if [ -f "$r/$f" ] && grep -Iq . "$r/$f" 2>/dev/null; then printf '%s\n' "$f"; fi
    done | head -n 6 | while IFS= read -r f; do
      echo "--- $name/$f (first differing lines)"
      diff -u --label "$ref" --label "working tree" "$r/$f" "$w/$f" | head -n 20 || true
    done
  fi
done
echo
echo "FAIL: outputs differ between $ref and the working tree (see above)"
exit 1
