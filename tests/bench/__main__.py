"""`python -m tests.bench`: run every benchmark against a fresh benchmark database."""

from tests.bench import harness


def main() -> None:
    harness.setup_django()
    from tests.bench import inbox, load, pay, sync

    with harness.server():
        sync.run()
        pay.run()
    inbox.run()
    with harness.server(workers=2, threads=1):  # 2 sync workers, as the load figure asks
        load.run()
    harness.print_table()


if __name__ == "__main__":
    main()
