"""`manage.py simulate [--port 8900] [--host 127.0.0.1]`: serve the Shopee, Ozon and WeCom simulators."""

from django.core.management.base import BaseCommand

from sandbox.server import make_server


class Command(BaseCommand):
    help = "Serve the Shopee (/shopee), Ozon (/ozon) and WeCom (/wecom) simulators and their /control API."
    requires_system_checks = []  # the simulators use no model, database or console setting

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8900)
        parser.add_argument("--quiet", action="store_true", help="do not log each request")

    def handle(self, *args, host, port, quiet, **options):
        httpd = make_server(host, port, quiet=quiet)
        base = f"http://{host}:{httpd.server_address[1]}"
        self.stdout.write(
            f"Simulators at {base}/  (SHOPEE_BASE_URL={base}/shopee  OZON_BASE_URL={base}/ozon  "
            f"WECOM_BASE_URL={base}/wecom; control API at {base}/control/)"
        )
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            httpd.server_close()
