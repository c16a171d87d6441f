"""Pairs: the three types from a triple, TRL columns, split by problem, the length baseline, length balancing."""

from recode.synth.pairs import balance_lengths, build_pairs, is_val, length_baseline, pairs_from_triple


def row(task_id="T/1", optimized=True, degraded=("rule:drop_step", "llm:degrade")):
    return {"seed_id": f"{task_id}#free0", "task_id": task_id, "domain": "code", "dimension": "logical_rigor",
            "problem": f"Problem {task_id}", "original": "orig one two three", "seed_mode": "free",
            "generator": "g", "optimized": {"text": "opt one two three four", "source": "llm:optimize"}
            if optimized else None,
            "degraded": [{"text": f"deg {s} one", "source": s} for s in degraded], "rejected": []}


def test_three_pair_types_with_metadata():
    pairs = pairs_from_triple(row())
    assert sorted(p["pair_type"] for p in pairs) == ["opt>deg", "opt>deg", "opt>orig", "orig>deg", "orig>deg"]
    opt_orig = next(p for p in pairs if p["pair_type"] == "opt>orig")
    assert (opt_orig["prompt"], opt_orig["chosen"], opt_orig["rejected"]) == ("Problem T/1", "opt one two three four",
                                                                            "orig one two three")
    assert opt_orig["chosen_source"] == "llm:optimize" and opt_orig["rejected_source"] == "seed:free"
    assert opt_orig["chosen_words"] == 5 and opt_orig["rejected_words"] == 4
    assert {"task_id", "dimension", "generator", "seed_mode", "pair_id"} <= set(opt_orig)
    assert len({p["pair_id"] for p in pairs}) == len(pairs)


def test_without_optimized_only_degradation_pairs():
    pairs = pairs_from_triple(row(optimized=False))
    assert {p["pair_type"] for p in pairs} == {"orig>deg"}
    assert pairs_from_triple(row(), ("opt>deg",)) and all(p["pair_type"] == "opt>deg"
                                                           for p in pairs_from_triple(row(), ("opt>deg",)))


def test_split_is_by_problem_and_stable():
    rows = [row(f"T/{i}") for i in range(60)]
    train, val, report = build_pairs(rows, val_fraction=0.25)
    assert not {p["task_id"] for p in train} & {p["task_id"] for p in val}
    assert 5 <= report["val_problems"] <= 25 and report["train"] + report["val"] == report["pairs"]
    assert [is_val(f"T/{i}", 0.25) for i in range(60)] == [is_val(f"T/{i}", 0.25) for i in range(60)]
    assert report["counts"]["pair_type"] == {"opt>deg": 120, "opt>orig": 60, "orig>deg": 120}


def test_duplicate_and_identical_pairs_are_dropped():
    r = row()
    r["degraded"].append(dict(r["degraded"][0]))  # the same degraded text twice
    r["degraded"].append({"text": r["original"], "source": "rule:swap_steps"})  # identical to the original
    _train, _val, report = build_pairs([r], val_fraction=0.0)
    # opt>orig and 2 x (orig>deg, opt>deg); "opt > copy of the original" repeats opt>orig, "orig > itself" is void
    assert report["pairs"] == 1 + 2 * 2


def test_length_baseline():
    pairs = [{"pair_type": "a", "dimension": "d", "chosen_words": 10, "rejected_words": 5},
             {"pair_type": "a", "dimension": "d", "chosen_words": 5, "rejected_words": 10},
             {"pair_type": "b", "dimension": "d", "chosen_words": 7, "rejected_words": 7}]
    base = length_baseline(pairs)
    assert base["all"] == {"n": 3, "accuracy": 0.5}
    assert base["pair_type=b"]["accuracy"] == 0.5 and base["pair_type=a"]["accuracy"] == 0.5


def test_balance_lengths_makes_length_uninformative():
    pairs = [{"pair_id": str(i), "pair_type": "orig>deg", "dimension": "d", "chosen_words": 10,
              "rejected_words": 5 if i < 8 else 12} for i in range(10)]
    balanced = balance_lengths(pairs)
    assert len(balanced) == 4 and length_baseline(balanced)["all"]["accuracy"] == 0.5
