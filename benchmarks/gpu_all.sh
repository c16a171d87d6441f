#!/usr/bin/env bash
# All GPU measurements in one call (GPU time is scarce): eval, training and RM scoring benchmarks.
# Usage: bash benchmarks/gpu_all.sh MODEL_DIR OUT_DIR
#   MODEL_DIR: a HF folder of SmolLM2-135M-Instruct (see recode.models.resolve_model)
#   OUT_DIR: where each benchmark writes its JSON, plus gpu_all.log
# Each benchmark runs in its own process with its own time limit, so one failure costs only its own numbers.
set -u
MODEL=$1
OUT=$2
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
step eval "${EVAL_LIMIT:-200}" "$PY" benchmarks/gpu_eval.py --model "$MODEL" --benchmarks humaneval+,mbpp+,gsm8k,math500 \
  --out "$OUT/eval.json"
step rm_score "${RM_LIMIT:-60}" "$PY" benchmarks/gpu_rm_score.py --model "$MODEL" --out "$OUT/rm_score.json"
step train "${TRAIN_LIMIT:-240}" "$PY" benchmarks/gpu_train.py --model "$MODEL" --out "$OUT/train.json" --budget-s 200
tail -n 5 "$LOG"
