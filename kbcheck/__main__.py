"""`python -m kbcheck` is the `kbcheck` command."""

from kbcheck.cli import main

if __name__ == "__main__":
    main()
