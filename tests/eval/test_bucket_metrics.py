from recode.eval.metrics import summarize_buckets, summarize_skipped


def test_pass_at_k_per_bucket_leaves_skipped_rows_out():
    rows = [{"task_id": "a", "passed": True}, {"task_id": "a", "passed": False},
            {"task_id": "b", "passed": False}, {"task_id": "b", "passed": False},
            {"task_id": "c", "passed": None, "missing_modules": ["cv2"]}]
    buckets = {"a": {"difficulty": "easy", "month": "2024-05"}, "b": {"difficulty": "hard", "month": "2024-05"},
               "c": {"difficulty": "hard", "month": "2024-06"}}
    out = summarize_buckets(rows, buckets, "passed", ks=(1, 2))
    assert out["difficulty"] == {"easy": {"n_tasks": 1, "pass@1": 0.5, "pass@2": 1.0},
                                 "hard": {"n_tasks": 1, "pass@1": 0.0, "pass@2": 0.0}}
    assert out["month"] == {"2024-05": {"n_tasks": 2, "pass@1": 0.25, "pass@2": 0.5}}  # 2024-06 had only c


def test_skipped_tasks_and_modules_are_counted():
    rows = [{"task_id": "x", "missing_modules": ["nltk", "faker"]}, {"task_id": "x", "missing_modules": ["nltk", "faker"]},
            {"task_id": "y", "missing_modules": ["nltk"]}, {"task_id": "z", "passed": True}]
    assert summarize_skipped(rows) == {"n_tasks": 2, "tasks": {"x": ["nltk", "faker"], "y": ["nltk"]},
                                       "modules": {"nltk": 2, "faker": 1}}
    assert summarize_skipped([]) == {"n_tasks": 0, "tasks": {}, "modules": {}}
