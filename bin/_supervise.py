"""Runs several commands as one service: started together, stopped together, no orphans.

    _supervise.py [--grace SECONDS] NAME=COMMAND [NAME=COMMAND ...]

Each COMMAND (split like a shell would, no shell involved) starts in its own process group, so the whole
tree under it (a Celery worker's pool processes, a server's reloader) can be signalled at once. The first of
these ends the run:
- SIGINT (Ctrl-C), SIGTERM or SIGHUP to this process: every command gets SIGTERM; exit 0 once they are gone;
- a child exits on its own (crashed, or finished): the others get SIGTERM; exit with its code (1 if it was 0,
  128 + the signal's number if a signal killed it).
A command still running `--grace` seconds (default 10) after SIGTERM is killed with its whole group, and every
group gets a last SIGKILL for members that outlived their leader (a crashed worker's pool processes).
Standard library only (bin/run calls it before Django loads).
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def say(message: str) -> None:
    print(f"==> {message}", file=sys.stderr, flush=True)


def parse_specs(specs: list[str]) -> list[tuple[str, list[str]]]:
    """[("web", ["python", "manage.py", ...]), ...] from NAME=COMMAND arguments."""
    commands = []
    for spec in specs:
        name, sep, command = spec.partition("=")
        if not sep or not name or not command.strip():
            raise SystemExit(f"_supervise.py: expected NAME=COMMAND, got {spec!r}")
        commands.append((name, shlex.split(command)))
    return commands


class Supervisor:
    def __init__(self, commands: list[tuple[str, list[str]]], grace: float):
        self.commands = commands
        self.grace = grace
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_signal: int | None = None

    def _on_signal(self, signum, frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum

    def start(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)
        for name, argv in self.commands:
            # process_group=0: the child leads a new group (its pid is the group id), outside the terminal's
            # foreground group, so Ctrl-C reaches only this supervisor, which then stops every group in order.
            # No terminal input: a background group that read it would be stopped (SIGTTIN).
            self.children[name] = subprocess.Popen(argv, process_group=0, stdin=subprocess.DEVNULL)
            say(f"started {name} (pid {self.children[name].pid})")

    def watch(self) -> tuple[str, int] | None:
        """Wait until a stop signal arrives (None) or a child exits ((name, code))."""
        while self.stop_signal is None:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    return name, code
            time.sleep(0.2)
        return None

    def _signal_groups(self, signum: int) -> None:
        for child in self.children.values():
            try:
                os.killpg(child.pid, signum)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self) -> None:
        # SIGTERM to each command itself, which stops what it started (a Celery worker its pool, warm); then
        # SIGKILL to every group: whatever did not stop within the grace, and members that outlived their leader.
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {self.grace:g} s: killing it")
        self._signal_groups(signal.SIGKILL)
        for child in self.children.values():
            child.wait()

    def run(self) -> int:
        try:
            self.start()
        except OSError as exc:  # a command that cannot start: stop what did
            say(f"cannot start: {exc}")
            self.stop()
            return 127
        ended = self.watch()
        if ended is None:
            say(f"{signal.Signals(self.stop_signal).name} received: stopping {', '.join(self.children)}")
            code = 0
        else:
            name, code = ended
            if code < 0:  # killed by a signal: the shell's convention, 128 + its number
                say(f"{name} was killed by {signal.Signals(-code).name}: stopping the others")
                code = 128 - code
            else:
                say(f"{name} exited with code {code}: stopping the others")
                code = code or 1
        # A second Ctrl-C while stopping must not leave children behind: ignore it, the kill follows anyway.
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        self.stop()
        say("stopped")
        return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grace", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL")
    parser.add_argument("specs", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args(argv)
    return Supervisor(parse_specs(args.specs), args.grace).run()


if __name__ == "__main__":
    sys.exit(main())
