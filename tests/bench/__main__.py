"""`python -m tests.bench`: run every benchmark against a fresh benchmark database."""

from tests.bench import harness


def main() -> None:
    harness.setup_django()
    from tests.bench import inbox, pay, sync

    with harness.server():
        sync.run()
        pay.run()
    inbox.run()
    harness.print_table()


if __name__ == "__main__":
    main()
