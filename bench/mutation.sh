#!/usr/bin/env bash
# Mutation testing of src/otel_measure/calculators/ with mutmut 3 (config: [tool.mutmut]
# in pyproject.toml; tests: tests/calculators/). Prints the score and every surviving mutant.
#
#   bench/mutation.sh                     # every calculator module (long: see docs/testing.md)
#   bench/mutation.sh nps fairness        # only these modules (names under calculators/)
#
# Not part of .ci/run: a full run takes longer than CI's 20-minute budget.
set -euo pipefail
cd "$(dirname "$0")/.."
MUTMUT=.venv/bin/mutmut
CHILDREN="${MUTMUT_CHILDREN:-2}"

rm -rf mutants
names=()
for module in "$@"; do
  names+=("otel_measure.calculators.${module}.*")
done
# mutmut exits non-zero when mutants survive; the report below is the result.
"$MUTMUT" run --max-children "$CHILDREN" "${names[@]}" || true

results="$("$MUTMUT" results --all true 2>/dev/null || "$MUTMUT" results)"
if [ "$#" -gt 0 ]; then
  pattern="$(printf 'otel_measure\\.calculators\\.%s\\.|' "$@")"
  results="$(grep -E "${pattern%|}" <<<"$results" || true)"
fi
total=$(grep -c ': ' <<<"$results" || true)
killed=$(grep -c ': killed' <<<"$results" || true)
survived=$(grep -c ': survived' <<<"$results" || true)
echo "== mutants: ${total}, killed: ${killed}, survived: ${survived}, other (timeout, no tests, ...): $((total - killed - survived))"
if [ "$total" -gt 0 ]; then
  echo "== mutation score (killed / all): $(( 100 * killed / total ))%"
fi
echo "== surviving mutants (inspect one with: .venv/bin/mutmut show NAME)"
grep ': survived' <<<"$results" || echo "none"
