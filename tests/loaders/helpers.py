"""Assertions shared by the loader tests."""

from kbcheck.models import Article


def assert_body_contract(article: Article, text: str) -> None:
    """`body` is the text from the start of line `body_line` (newlines normalised)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    lines = text.split("\n")
    assert 1 <= article.body_line <= len(lines) + 1
    assert article.body == "\n".join(lines[article.body_line - 1:]) or (
        article.body == "" and article.body_line == len(lines) + 1)


def line_text(text: str, line: int) -> str:
    """The text of 1-based line `line`."""
    return text.split("\n")[line - 1]
