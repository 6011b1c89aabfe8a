from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import ExternalCheckpoint, chain_check_save, chain_verify
from core import context


def _external(value: str) -> ExternalCheckpoint:
    try:
        return ExternalCheckpoint.parse(value)
    except ValueError as exc:
        raise CommandError(f"--checkpoint {value!r}: {exc}") from None


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain and hold it to the signed checkpoints (and to --checkpoint, copied from the "
        "security robot's message); print every problem and exit non-zero if there is one. The outcome is kept for "
        "the audit log page (and recorded as audit.chain_check); --write-checkpoint also signs a new checkpoint "
        "when the chain is intact (the daily task does this on its own)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="COUNT:HEAD",
            help="an external checkpoint, e.g. 1284031:9f86d081884c7d65 (事件数 and 链头 from the robot's message)",
        )
        parser.add_argument("--write-checkpoint", action="store_true", help="sign a checkpoint if the chain is intact")

    def handle(self, *args, **options):
        external = _external(options["checkpoint"]) if options["checkpoint"] else None
        report = chain_verify(external=external)
        with context.bound(source="system", actor_display="manage.py verify_audit_chain"):
            _check, checkpoint = chain_check_save(report, write_checkpoint=options["write_checkpoint"])
        if not report.intact:
            for problem in report.problems:
                self.stderr.write(f"BROKEN: {problem}.")
            self.stderr.write(f"{report.events} events verified before the first problem.")
            raise CommandError("the audit log failed verification", returncode=1)
        held = f", {report.checkpoints} checkpoint(s) held" + (" and the external one" if external else "")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.events} events verified{held}."))
        if checkpoint is not None:
            self.stdout.write(f"Checkpoint written: {checkpoint}")
        elif options["write_checkpoint"]:
            self.stderr.write("No checkpoint written: the log is empty or SHOPCREW_AUDIT_CHECKPOINT_KEYS is not set.")
