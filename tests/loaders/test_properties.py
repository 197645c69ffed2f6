"""Property: any text or bytes give an article or findings — never an exception, never a crash
reported as `internal-error` — and an article always keeps the body contract."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbcheck.loaders import load_file, load_text
from kbcheck.models import LoadResult

from .helpers import assert_body_contract

# Characters that matter to the parsers, so that random text reaches their corners.
_SYNTAX = st.sampled_from(list("-:[]{}&*!|>'\"#?,.\n\n\n  \t=\u00e9\r\ufeff\x00\x85\u2028") + [
    "---\n", "...\n", "== h ==\n", "[[source::P|t|", "]]", "[[domain::", "](", "http://",
    "https://arxiv.org/abs/", "# ", "## ", "Confidence: ", "Last verified: ", "Last updated: ",
    "title: ", "atomic_facts:\n  - id: ", "  statement: ", "<<: ", "&a ", "*a", "!!str ",
    "2024-13-01", "0.5", "arXiv:", "{|", "\n|}", "- "])
ARTICLE_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(_SYNTAX, st.text(max_size=5)), max_size=60).map("".join),
    st.lists(st.one_of(_SYNTAX, st.text(max_size=5)), max_size=60).map(
        lambda parts: "---\n" + "".join(parts)),
)
SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _check(result: LoadResult, text: str | None) -> None:
    assert isinstance(result, LoadResult)
    assert result.article is not None or result.findings
    assert not [f for f in result.findings if f.rule == "internal-error"], result.findings
    for f in result.findings:
        assert f.path and f.message and (f.line is None or f.line >= 1)
    if result.article is not None and text is not None:
        assert_body_contract(result.article, text)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        for path, line in result.article.lines.items():
            assert 1 <= line <= lines, path


@SETTINGS
@given(ARTICLE_TEXT)
def test_load_text_never_raises(text):
    _check(load_text(text, "random.md"), text)


@SETTINGS
@given(st.one_of(st.binary(max_size=300), ARTICLE_TEXT.map(
    lambda t: t.encode("utf-8", "surrogatepass"))))
def test_load_file_never_raises(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.md"
        path.write_bytes(data)
        result = load_file(path, max_bytes=2000)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    _check(result, text)
