"""kbcheck: verify knowledge-base articles about LoRA by running code."""

__version__ = "0.1.0"
HOMEPAGE = "https://github.com/kbcheck/kbcheck"
