"""Shared fixtures: one sandbox pool per test session (workers are warm processes; start them once), and tiny
random models built once per session."""

import pytest

from recode.sandbox import SandboxPool


@pytest.fixture(scope="session")
def pool():
    with SandboxPool(workers=2) as p:
        yield p


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory) -> str:
    """Folder of a tiny random causal Llama with a ChatML chat template."""
    from tests.tiny_models import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-lm"), "causal")


@pytest.fixture(scope="session")
def tiny_rm(tmp_path_factory) -> str:
    """Folder of a tiny random one-label sequence-classification Llama (a reward model)."""
    from tests.tiny_models import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny-rm"), "seqcls")


@pytest.fixture(scope="session")
def openai_server(tiny_lm):
    """base_url of `recode generate serve` on the tiny model, in a real subprocess (served name: "tiny")."""
    import subprocess
    import sys
    import threading

    cmd = [sys.executable, "-m", "recode.cli", "generate", "serve", "--model", tiny_lm, "--served-name", "tiny",
           "--port", "0", "--device", "cpu", "--batch-size", "8"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: list[str] = []

    def read() -> None:  # the first "serving ... at URL" line, then keep draining so the server never blocks
        for line in proc.stdout:
            if not found and line.startswith("serving "):
                found.append(line.split(" at ")[-1].strip())

    threading.Thread(target=read, daemon=True).start()
    for _ in range(1200):
        if found or proc.poll() is not None:
            break
        threading.Event().wait(0.1)
    if not found:
        proc.kill()
        pytest.fail(f"`{' '.join(cmd)}` did not start (exit code {proc.poll()})")
    yield found[0]
    proc.terminate()
    proc.wait(timeout=30)
