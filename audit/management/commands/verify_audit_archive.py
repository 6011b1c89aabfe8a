"""Verify audit archive files on their own: every row's hash and link, the count and head, and (when this
database archived them) the file's SHA-256 and signature. Exit status 1 when any does not verify."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.archive import archive_dir, verify_archive


class Command(BaseCommand):
    help = "Verify audit archive files (all files in the archive directory when none are named)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="archive files (.jsonl.gz)")

    def handle(self, *args, **options):
        paths = [Path(f) for f in options["files"]] or sorted(archive_dir().glob("audit-*.jsonl.gz"))
        if not paths:
            self.stdout.write("no archive files")
            return
        broken = 0
        for path in paths:
            report = verify_archive(path)
            if report.intact:
                known = "" if report.known else " (not this database's archive: file checked alone)"
                self.stdout.write(
                    f"OK {path.name}: {report.events} events, ids {report.first_id}–{report.last_id}, "
                    f"head {report.head_hash[:16]}{known}"
                )
            else:
                broken += 1
                self.stdout.write(f"BROKEN {path.name}: {'; '.join(report.problems)}")
        if broken:
            raise CommandError(f"{broken} archive file(s) do not verify")
