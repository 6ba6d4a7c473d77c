#!/usr/bin/env bash
# Generates Mien's hostile-input corpus (issue 14) into a folder and, with --cli, runs the CLI over every case.
#
#   tools/corpus/generate.sh [folder] [--cli]
#
# The corpus is code (tools/corpus/HostileCorpus.cs), not media kept in the repository: this script runs the
# corpus test with MIEN_CORPUS_OUT set, which keeps the generated files and writes results.tsv (what each
# library opener answered). --cli then runs `./mien analyze` (media cases) or `./mien voice` (audio cases) on
# each and records the exit code, the number of stderr lines and the first one, in cli.tsv: every case should
# give one `mien:` line and a documented exit code, never a stack trace.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/artifacts/corpus}"
[ "${out:0:1}" = "/" ] || out="$PWD/$out"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
MIEN_CORPUS_OUT="$out" dotnet test "$root/tests/Mien.Corpus.Tests" -c Release -nologo -v q
echo "corpus: $out ($(($(wc -l < "$out/results.tsv") - 1)) cases; library answers in results.tsv)"

if [ "${2:-}" = "--cli" ]; then
  printf 'case\texit\tstderr_lines\tfirst_stderr_line\n' > "$out/cli.tsv"
  tail -n +2 "$out/results.tsv" | while IFS=$'\t' read -r name opener _; do
    path="$out/$name"
    [ -e "$path" ] || [ -L "$path" ] || path="$out/$name/model.json"
    case "$opener" in
      Media) args=(analyze "$path" -o "$out/cli-out" --no-video) ;;
      Audio) args=(voice "$path") ;;
      *) continue ;;
    esac
    set +e
    err=$(timeout 60 "$root/mien" "${args[@]}" 2>&1 >/dev/null < /dev/null)
    code=$?
    set -e
    printf '%s\t%s\t%s\t%s\n' "$name" "$code" "$(printf '%s' "$err" | grep -c '')" "$(printf '%s' "$err" | head -1 | cut -c1-200)" >> "$out/cli.tsv"
  done
  echo "cli: $out/cli.tsv"
fi
