"""bin/run's runtime: the supervisor that starts and stops web, worker and beat together (bin/_supervise.py),
and the choice of broker and rate limiter (bin/_runtime_env.py).

The supervisor is run for real, as bin/run runs it, over small shell commands that stand in for the web server,
the worker and beat: each records its pid (and a grandchild's, as a Celery worker's pool) in a file, so the
test knows whom to look for afterwards. Waiting is for a condition (a file written, a process gone), never a
fixed sleep.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUPERVISE = ROOT / "bin" / "_supervise.py"
RUNTIME_ENV = ROOT / "bin" / "_runtime_env.py"


def wait_for(condition, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def pids(path: Path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def service(tmp: Path, name: str, *, ignore_term: bool = False) -> str:
    """NAME=COMMAND for a stand-in service: it starts a grandchild (like a worker's pool), writes both pids to
    <name>.pids and waits; with `ignore_term` it (and its grandchild) ignore SIGTERM."""
    trap = "trap '' TERM; " if ignore_term else ""
    return f'{name}=sh -c "{trap}sleep 300 & echo $$ $! > {tmp / (name + ".pids")}; wait; wait"'


@pytest.fixture(autouse=True)
def _no_leftovers(tmp_path):
    """Whatever a failing test leaves running (the supervisor, the stand-ins) is killed afterwards."""
    yield
    for sup in _started:
        if sup.poll() is None:
            sup.kill()
            sup.wait()
    _started.clear()
    for path in tmp_path.glob("*.pids"):
        for pid in pids(path):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


_started: list[subprocess.Popen] = []


def start(*specs: str, grace: float = 5.0) -> subprocess.Popen:
    _started.append(sup := _popen(specs, grace))
    return sup


def _popen(specs, grace: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SUPERVISE), "--grace", str(grace), *specs],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def started(tmp: Path, *names: str) -> dict[str, list[int]]:
    return {name: wait_for(lambda n=name: pids(tmp / f"{n}.pids"), what=f"{name} to start") for name in names}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_stops_every_service_and_their_children(tmp_path, signum):
    sup = start(service(tmp_path, "web"), service(tmp_path, "worker"), service(tmp_path, "beat"))
    running = started(tmp_path, "web", "worker", "beat")
    everyone = [pid for group in running.values() for pid in group]
    assert all(alive(pid) for pid in everyone)

    sup.send_signal(signum)
    output, _ = sup.communicate(timeout=20)

    assert sup.returncode == 0, output
    assert [pid for pid in everyone if alive(pid)] == [], "orphans left behind"
    assert f"{signal.Signals(signum).name} received: stopping web, worker, beat" in output
    assert "==> stopped" in output


def test_a_service_that_dies_stops_the_others_and_the_run_fails(tmp_path):
    crash = f'crash=sh -c "while [ ! -s {tmp_path / "web.pids"} ]; do sleep 0.05; done; exit 3"'
    sup = start(service(tmp_path, "web"), crash, service(tmp_path, "beat"))
    output, _ = sup.communicate(timeout=30)
    survivors = [pid for name in ("web", "beat") for pid in pids(tmp_path / f"{name}.pids") if alive(pid)]

    assert sup.returncode == 3, output
    assert survivors == []
    assert "crash exited with code 3: stopping the others" in output


def test_a_service_killed_by_a_signal_ends_the_run_with_128_plus_the_signal(tmp_path):
    sup = start(service(tmp_path, "web"), service(tmp_path, "worker"))
    running = started(tmp_path, "web", "worker")
    os.kill(running["worker"][0], signal.SIGKILL)  # the worker's main process, as the OOM killer would
    output, _ = sup.communicate(timeout=30)

    assert sup.returncode == 128 + signal.SIGKILL, output
    assert "worker was killed by SIGKILL: stopping the others" in output
    assert [pid for group in running.values() for pid in group if alive(pid)] == []  # its orphaned child too


def test_a_service_that_ends_cleanly_still_ends_the_run_with_failure(tmp_path):
    done = f'done=sh -c "while [ ! -s {tmp_path / "web.pids"} ]; do sleep 0.05; done; exit 0"'
    sup = start(service(tmp_path, "web"), done)
    output, _ = sup.communicate(timeout=30)

    assert sup.returncode == 1, output
    assert not any(alive(pid) for pid in pids(tmp_path / "web.pids"))


def test_a_service_ignoring_sigterm_is_killed_after_the_grace(tmp_path):
    sup = start(service(tmp_path, "stubborn", ignore_term=True), grace=1.0)
    running = started(tmp_path, "stubborn")
    sup.send_signal(signal.SIGTERM)
    output, _ = sup.communicate(timeout=20)

    assert sup.returncode == 0, output
    assert "stubborn did not stop within 1 s: killing it" in output
    assert not any(alive(pid) for pid in running["stubborn"])


def test_a_command_that_cannot_start_stops_those_that_did(tmp_path):
    sup = start(service(tmp_path, "web"), "ghost=/nonexistent/shopcrew-no-such-command")
    output, _ = sup.communicate(timeout=20)

    assert sup.returncode == 127, output
    assert not any(alive(pid) for pid in pids(tmp_path / "web.pids"))


def test_specs_must_name_their_command(tmp_path):
    sup = start("no-equals-sign")
    output, _ = sup.communicate(timeout=10)
    assert sup.returncode != 0
    assert "expected NAME=COMMAND" in output


# --- the broker and the rate limiter --------------------------------------------------------------------


def closed_port_url() -> str:
    """A Redis URL on a loopback port nobody listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def runtime_env(**env) -> tuple[dict, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "SHOPCREW_RATE_LIMITER")}
    done = subprocess.run(
        [sys.executable, str(RUNTIME_ENV)], env={**base, **env}, capture_output=True, text=True, timeout=30, check=True
    )
    exports = {}
    for line in done.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        exports[name] = value.strip("'")
    return exports, done.stderr


def test_redis_that_answers_is_the_broker_and_the_limiter(settings):
    exports, said = runtime_env(REDIS_URL=settings.REDIS_URL)
    assert exports == {
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "SHOPCREW_RATE_LIMITER": "redis",
    }
    assert "broker: Redis at" in said and "rate limiter: redis" in said


def test_without_redis_the_embedded_broker_and_the_database_limiter():
    url = closed_port_url()
    exports, said = runtime_env(REDIS_URL=url)
    assert exports["CELERY_BROKER_URL"] == "filesystem://"
    assert exports["SHOPCREW_RATE_LIMITER"] == "database"
    assert f"Redis does not answer at {url}" in said
    assert "embedded (filesystem, var/celery-broker/)" in said and "rate limiter: database" in said


def test_an_explicit_broker_is_kept_and_a_password_never_printed():
    exports, said = runtime_env(CELERY_BROKER_URL="redis://:s3cret-pass@127.0.0.1:1/0", REDIS_URL=closed_port_url())
    assert exports == {"CELERY_BROKER_URL": "redis://:s3cret-pass@127.0.0.1:1/0", "SHOPCREW_RATE_LIMITER": "redis"}
    assert "s3cret-pass" not in said
    assert "redis://:***@127.0.0.1:1/0" in said


def test_a_redis_password_is_masked_when_redis_is_down():
    exports, said = runtime_env(REDIS_URL="redis://user:hunter22@127.0.0.1:1/0")
    assert exports["SHOPCREW_RATE_LIMITER"] == "database"
    assert "hunter22" not in said and "redis://user:***@127.0.0.1:1/0" in said


def test_bin_run_supervises_web_worker_on_every_queue_and_beat():
    """bin/run hands web, worker and beat to the supervisor (exec: the supervisor receives Ctrl-C), with a
    small worker that consumes every declared queue (no -Q: config.celery declares SHOPCREW_TASK_QUEUES)."""
    script = (ROOT / "bin" / "run").read_text()
    assert "exec .venv/bin/python bin/_supervise.py" in script
    assert '"web=.venv/bin/python manage.py runserver $HOST:$PORT --noreload"' in script
    assert "celery -A config worker" in script and " -Q " not in script
    assert "--concurrency $WORKER_CONCURRENCY" in script and "WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-2}" in script
    assert '"beat=.venv/bin/celery -A config beat' in script
    assert 'eval "$(.venv/bin/python bin/_runtime_env.py)"' in script
    assert "SHOPCREW_SANDBOX_CONTROL_URL=${SHOPCREW_SANDBOX_CONTROL_URL:-http://$SELF:$PORT/sandbox/control}" in script
