#!/usr/bin/env bash
# One command for a machine with CUDA: the CUDA tests, then every training
# workload and the inference benchmark on the GPU, with the table written to
# benchmarks/RESULTS.md (its "GPU check" section, replaced on each run).
# Bounded to about 7.5 minutes by `timeout` on each stage.
#
#   bash benchmarks/gpu_check.sh             # on the GPU machine
#   GPU_CHECK_DEVICE=cpu bash benchmarks/gpu_check.sh --quick
#                                            # the same path on the CPU, tiny
#                                            # sizes, in seconds (no CUDA tests)
#
# Exits non-zero if CUDA is unavailable (device cuda), if any CUDA test
# fails, or if a benchmark fails or runs past its time limit.
# GPU_CHECK_RESULTS names the results file (default benchmarks/RESULTS.md).
set -euo pipefail

cd "$(dirname "$0")/.."
DEVICE="${GPU_CHECK_DEVICE:-cuda}"
RESULTS="${GPU_CHECK_RESULTS:-benchmarks/RESULTS.md}"
PYTHON="${PYTHON:-python}"
QUICK=""
# Stage limits in seconds; the quick path is a correctness run on a CPU
# that may be shared, so it gets three times as long.
SCALE=1
if [ "${1:-}" = "--quick" ]; then
    QUICK="--quick"
    SCALE=3
elif [ -n "${1:-}" ]; then
    echo "usage: [GPU_CHECK_DEVICE=cpu] $0 [--quick]" >&2
    exit 2
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_COMPAT_DEVICE="$DEVICE"

fail() { echo "gpu_check: FAILED: $*" >&2; exit 1; }

if [ "$DEVICE" = "cpu" ]; then
    CARD="CPU ($("$PYTHON" -c 'import platform; print(platform.machine())'))"
    echo "gpu_check: device cpu: skipping the CUDA tests"
else
    CARD="$("$PYTHON" -c '
import sys, torch
if not torch.cuda.is_available():
    sys.exit("torch %s sees no CUDA device" % torch.__version__)
print(torch.cuda.get_device_name(0))')" || fail "CUDA is unavailable"
    echo "gpu_check: $CARD"
    # -rs lists skips; a CUDA test that skips on a CUDA machine is a failure
    # of its own kind, so count them as well.
    LOG="$(mktemp)"
    status=0
    timeout 150 "$PYTHON" -m pytest -q -rs -m cuda tests/test_cuda.py \
        2>&1 | tee "$LOG" || status=$?
    [ "$status" -eq 0 ] || fail "CUDA tests (exit $status)"
    if grep -q "skipped" "$LOG"; then
        fail "CUDA tests were skipped on a CUDA machine"
    fi
    rm -f "$LOG"
fi

TABLES="$(mktemp)"
trap 'rm -f "$TABLES"' EXIT
WORKLOADS="$("$PYTHON" -c 'from benchmarks import workloads; print(",".join(workloads.WORKLOADS))')"

echo "gpu_check: training workloads: $WORKLOADS"
timeout $((210 * SCALE)) "$PYTHON" -m benchmarks.run --device "$DEVICE" --no-peers \
    --repeats 1 --epochs 2 --workloads "$WORKLOADS" --write "$TABLES" $QUICK \
    || fail "training benchmark (exit $?)"

echo "gpu_check: inference"
timeout $((90 * SCALE)) "$PYTHON" -m benchmarks.inference --device "$DEVICE" --no-peers \
    --repeats 2 --latency-runs 30 --write "$TABLES" $QUICK \
    || fail "inference benchmark (exit $?)"

"$PYTHON" - "$RESULTS" "$TABLES" "$CARD" "$DEVICE" "$QUICK" <<'EOF'
import datetime
import os
import sys

results, tables, card, device, quick = sys.argv[1:6]
begin, end = '<!-- gpu_check begin -->', '<!-- gpu_check end -->'
with open(tables) as f:
    body = f.read().strip()
section = '\n'.join([
    begin,
    '## GPU check: %s' % card,
    '',
    '`GPU_CHECK_DEVICE=%s bash benchmarks/gpu_check.sh %s`, %s UTC; '
    'replaced on each run. The settings of each table are in its first '
    'line.' % (
        device, quick,
        datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M')),
    '',
    body,
    end])
text = open(results).read() if os.path.exists(results) else ''
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    text = head + section + rest.split(end, 1)[1]
else:
    text = text.rstrip('\n') + '\n\n' + section + '\n'
tmp = results + '.tmp'
with open(tmp, 'w') as f:
    f.write(text)
os.replace(tmp, results)
print('gpu_check: wrote the "GPU check" section of %s' % results)
EOF
echo "gpu_check: OK"
