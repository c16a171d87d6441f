import math

import pytest

from recode.sandbox import JobResult, Limits, Status
from recode.sandbox.types import TestVerdict as Verdict


@pytest.mark.parametrize("limits", [Limits(), Limits(time_floor_s=0.5, time_factor=2.0, time_cap_s=3.0),
                                    Limits(time_floor_s=5.0, time_cap_s=2.0)])  # a floor over the cap: the cap
def test_time_limits_clamp_the_scaled_reference_time(limits):
    refs = [None, 0.0, 1e-9, 0.1, 0.25, 0.3, 0.75, 1.0, 1.5, 2.5, 10.0, 1e9, math.inf, math.nan]
    expected = [limits.default_time_s if r is None
                else min(limits.time_cap_s, max(limits.time_floor_s, limits.time_factor * r)) for r in refs]
    assert limits.time_limits(refs) == expected
    assert [limits.time_limit(r) for r in refs] == expected


def test_group_passed_looks_only_at_the_group():
    verdicts = [Verdict(Status.PASS), Verdict(Status.PASS), Verdict(Status.FAIL),
                Verdict(Status.SKIPPED)]
    result = JobResult("j", Status.FAIL, verdicts, "rlimits", 0.0)
    groups = ["base", "base", "plus", "plus"]
    assert result.group_passed(groups, "base") is True
    assert result.group_passed(groups, "plus") is False
    assert result.group_passed(groups, "extra") is None and result.group_passed(None, "base") is None
    assert result.group_passed(["base", "plus", "base", "plus"], "base") is False


def test_packed_verdicts_round_trip_and_send_a_shared_tail_once():
    import pickle

    from recode.sandbox.types import pack_verdicts, unpack_verdicts

    stopped = Verdict(Status.SKIPPED, detail="no verdict: the process was stopped")
    cases = [
        [],
        [Verdict(Status.PASS, 0.1)],
        [Verdict(Status.PASS, 0.1), Verdict(Status.FAIL, 0.2, detail="expected 1, got 2", raw=b"x")],
        [Verdict(Status.PASS, 0.1), Verdict(Status.TIMEOUT, detail="time limit exceeded")] + [stopped] * 1000,
        [stopped] * 3,
    ]
    for verdicts in cases:
        back = unpack_verdicts(pickle.loads(pickle.dumps(pack_verdicts(verdicts))))
        assert back == verdicts
    statuses, _, extras, (count, _) = pack_verdicts(cases[3])
    assert len(statuses) == 2 and count == 1000 and list(extras) == [1]  # the tail's fields travel once
