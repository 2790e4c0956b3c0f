"""`python -m tests.bench [NAME ...]`: run every benchmark (or those named) on a fresh database.

Names: sync, pay, payrun, inbox, dashboard, einvoice, load, sync_memory.
"""

import sys

from tests.bench import harness

NAMES = ("sync", "pay", "payrun", "inbox", "dashboard", "einvoice", "load", "sync_memory")


def main() -> None:
    wanted = set(sys.argv[1:]) or set(NAMES)
    if unknown := wanted - set(NAMES):
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {NAMES}")
    harness.setup_django()
    from tests.bench import dashboard, einvoice, inbox, load, pay, payrun, sync, sync_memory

    if wanted & {"sync", "pay"}:
        with harness.server():
            if "sync" in wanted:
                sync.run()
            if "pay" in wanted:
                pay.run()
    if "payrun" in wanted:
        # Codat's webhooks delivered to the app over HTTP; the access log counts its calls.
        payrun.ACCESS_LOG.parent.mkdir(parents=True, exist_ok=True)
        with harness.server(env=payrun.SERVER_ENV, access_log=payrun.ACCESS_LOG):
            payrun.run()
    if "inbox" in wanted:
        inbox.run()
    if "dashboard" in wanted:
        dashboard.run()
    if "einvoice" in wanted:
        einvoice.run()
    if "load" in wanted:
        # 2 sync workers, as the load figure asks; the bench settings add the list floor.
        with harness.server(workers=2, threads=1, settings="tests.bench.settings"):
            load.run()
    if "sync_memory" in wanted:
        # Last: its 110,000 bills would otherwise sit in the tables the others measure.
        with harness.server():
            sync_memory.run()
    harness.print_table()


if __name__ == "__main__":
    main()
