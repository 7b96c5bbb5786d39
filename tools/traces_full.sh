#!/usr/bin/env bash
# The full set of PATE traces in one script: `make traces-full DEVICE=cuda [PART=1|2]`.
#
# Usage: tools/traces_full.sh DEVICE SCALE PART
#   DEVICE  cuda | cpu | auto (passed to --device)
#   SCALE   full:    250 MnistNet teachers, the victim, the eight strategies at 20,000 queries
#                    (datafree 200,000) and the legitimate pool, into traces/full/; needs cuda.
#           reduced: 20 small teachers, 1,000 queries (datafree 5,000), its own cache key,
#                    into results/traces-reduced/; a few CPU-minutes, to prove the script.
#                    GNMax sigma 2, not 10: with 20 teachers sigma 10 drowns every vote gap
#                    and each query costs the data-independent bound.
#   PART    1: train (cached), the pool and seven strategies; 2: datafree; all: both.
#           On a lent H100 each part is meant to fit one 10-minute command.
#
# Every command uses the same setup options, so all traces and the pool share one cache folder
# (one victim, one ensemble). A CPU run never writes the full-scale names. On the GPU machine,
# torch must be a CUDA build and POWSIM_FASHION_MNIST must point at the Fashion-MNIST IDX files
# when Debian's dataset-fashion-mnist is not installed there.
set -euo pipefail

DEVICE=${1:?usage: tools/traces_full.sh DEVICE SCALE PART}
SCALE=${2:-full}
PART=${3:-all}
POWSIM=${POWSIM:-.venv/bin/powsim}

case "$SCALE" in
  full)
    if [ "$DEVICE" != cuda ]; then
      echo "traces-full: SCALE=full writes traces/full/ and needs DEVICE=cuda (got $DEVICE); on" \
           "CPU run 'make traces-full DEVICE=cpu SCALE=reduced' (results/traces-reduced/)" >&2
      exit 2
    fi
    OUT=traces/full
    SETUP=(--teachers 250 --pool-size 20000 --private-size 40000 --teacher-arch mnistnet
           --augment 0 --seed 0)
    QUERIES=20000; DATAFREE=200000; EVERY=1000; DATAFREE_EVERY=10000; SIGMA=10 ;;
  reduced)
    OUT=results/traces-reduced
    SETUP=(--teachers 20 --pool-size 2000 --private-size 4000 --victim-epochs 1
           --teacher-epochs 10 --seed 0)
    QUERIES=1000; DATAFREE=5000; EVERY=500; DATAFREE_EVERY=2500; SIGMA=2 ;;
  *) echo "traces-full: SCALE=$SCALE, expected full or reduced" >&2; exit 2 ;;
esac
case "$PART" in
  1|2|all) ;;
  *) echo "traces-full: PART=$PART, expected 1, 2 or all" >&2; exit 2 ;;
esac

COMMON=(--device "$DEVICE" --sigma "$SIGMA" --delta 1e-5 "${SETUP[@]}")
mkdir -p "$OUT"
if [ "$PART" != 2 ]; then
  "$POWSIM" traces pool "${COMMON[@]}" --calibration 0.5 --split-seed 0 --out "$OUT/fmnist-pool.parquet"
  for attack in standard knockoff worstcase inout entropy entropyrev jacobian; do
    "$POWSIM" traces generate --attack "$attack" --queries "$QUERIES" --checkpoint-every "$EVERY" \
      "${COMMON[@]}" --out "$OUT/fmnist-$attack.parquet"
  done
fi
if [ "$PART" != 1 ]; then
  "$POWSIM" traces generate --attack datafree --queries "$DATAFREE" \
    --checkpoint-every "$DATAFREE_EVERY" "${COMMON[@]}" --out "$OUT/fmnist-datafree.parquet"
fi
.venv/bin/python tools/trace_times.py "$OUT"
