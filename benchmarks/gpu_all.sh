#!/usr/bin/env bash
# The GPU measurements (eval, RM scoring, training) in one or two calls: device time is scarce.
# Usage: bash benchmarks/gpu_all.sh MODEL_DIR OUT_DIR [all|eval|train]
#   MODEL_DIR: a HF folder of SmolLM2-135M-Instruct (recode.models.resolve_model makes one from the GGUF file)
#   OUT_DIR: where each benchmark writes its JSON, plus gpu_all.log and the eval run folder as a tarball
#   all (default) | eval: code + math evaluation and RM scoring | train: the CG-GRPO step-time benchmark
# Each benchmark runs in its own process with its own time limit, so one failure costs only its own numbers.
# EVAL_ARGS, RM_ARGS, TRAIN_ARGS: extra options (e.g. tiny sizes for a CPU check of this script).
set -u
MODEL=$1
OUT=$2
PART=${3:-all}
mkdir -p "$OUT"
LOG="$OUT/gpu_all.log"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
step() {  # name, time limit (s), command...
  local name=$1 limit=$2
  shift 2
  echo "=== $name (limit ${limit}s) $(date -u +%H:%M:%S)" | tee -a "$LOG"
  local t0=$SECONDS
  timeout --signal=INT --kill-after=10 "$limit" "$@" >>"$LOG" 2>&1
  echo "=== $name: exit $? after $((SECONDS - t0)) s" | tee -a "$LOG"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv >>"$LOG" 2>&1
"$PY" -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" >>"$LOG" 2>&1
if [ "$PART" = all ] || [ "$PART" = eval ]; then
  step eval_code "${CODE_LIMIT:-200}" "$PY" benchmarks/gpu_eval.py --model "$MODEL" --benchmarks humaneval+,mbpp+ \
    --run-dir /tmp/gpu_eval_code --out "$OUT/eval_code.json" ${EVAL_ARGS:-}
  step eval_math "${MATH_LIMIT:-170}" "$PY" benchmarks/gpu_eval.py --model "$MODEL" --benchmarks gsm8k,math500 \
    --run-dir /tmp/gpu_eval_math --out "$OUT/eval_math.json" ${EVAL_ARGS:-}
  tar -C /tmp -czf "$OUT/eval_runs.tar.gz" gpu_eval_code gpu_eval_math 2>>"$LOG"
  step rm_score "${RM_LIMIT:-50}" "$PY" benchmarks/gpu_rm_score.py --model "$MODEL" --out "$OUT/rm_score.json" ${RM_ARGS:-}
fi
if [ "$PART" = all ] || [ "$PART" = train ]; then
  step train "${TRAIN_LIMIT:-260}" "$PY" benchmarks/gpu_train.py --model "$MODEL" --out "$OUT/train.json" \
    --budget-s "${TRAIN_BUDGET:-230}" ${TRAIN_ARGS:-}
fi
tail -n 4 "$LOG"
