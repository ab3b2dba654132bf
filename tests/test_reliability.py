"""ecrtui's reliability targets, at the small scale of benchmarks/reliability.py.

Each test runs one scenario on 127.0.0.1 (its own `ecrtui local-ecr`, or for hostile input a
counting ECR-like server) and asserts every target; a failure shows the scenario's line and what
missed the target: the layer and the faults it met, the kill, the exact input, the request.
`benchmarks/reliability.py --scale full` runs the same scenarios at full size.
"""

from __future__ import annotations

from benchmarks.reliability_backend import run_backend
from benchmarks.reliability_common import SCALES, Outcome
from benchmarks.reliability_concurrency import run_concurrency
from benchmarks.reliability_crashes import run_crashes
from benchmarks.reliability_faults import run_faults
from benchmarks.reliability_inputs import run_hostile
from benchmarks.reliability_proxy import KINDS

SMALL = SCALES["small"]


def assert_targets(outcome: Outcome) -> None:
    missed = [name for name, held in outcome.targets.items() if not held]
    assert missed == [], outcome.report()


def test_pushes_through_a_faulty_network_end_with_the_right_digest() -> None:
    outcome = run_faults(SMALL)
    assert outcome.numbers["layers"] == SMALL.layers
    assert outcome.numbers["faults"] >= len(KINDS), outcome.report()
    assert_targets(outcome)


def test_killed_pushes_resume_to_the_right_digest_and_the_journal_stays_true() -> None:
    outcome = run_crashes(SMALL)
    assert outcome.numbers["kills"] == SMALL.kills, outcome.report()
    assert_targets(outcome)


def test_hostile_input_never_crashes_hangs_or_sends_an_invalid_request() -> None:
    outcome = run_hostile(SMALL)
    assert outcome.numbers["inputs"] >= SMALL.inputs
    assert outcome.numbers["processes"] == SMALL.process_inputs
    assert_targets(outcome)


def test_processes_sharing_a_journal_lose_no_row() -> None:
    outcome = run_concurrency(SMALL)
    assert outcome.numbers["uploads"] == 4 * SMALL.processes * SMALL.rounds, outcome.report()
    assert_targets(outcome)


def test_the_local_backend_holds_up_under_load() -> None:
    outcome = run_backend(SMALL)
    assert outcome.numbers["pushes"] == SMALL.clients * SMALL.client_rounds, outcome.report()
    assert outcome.numbers["malformed"] > 0
    assert_targets(outcome)
