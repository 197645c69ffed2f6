"""The verifier contract in verifiers/_base.py and the evidence files in verifiers/_evidence.py."""

import pytest

from verifiers._base import Param, Verifier, parse_number, result
from verifiers._evidence import evidence_key, load_evidence, write_evidence


@pytest.mark.parametrize(
    ("text", "value"),
    [("4096", 4096), ("4,096", 4096), ("10k", 1e4), ("65B", 6.5e10), ("1e-4", 1e-4), (".5", 0.5),
     ("4.7 million", 4.7e6), ("18M", 1.8e7), ("0.5 billion", 5e8), ("12 thousand", 1.2e4),
     ("2 Million", 2e6)],
)
def test_parse_number_accepts_written_forms(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "4096x4096", "1..2", True, "million", "4 millions",
                                  "3 mil"])
def test_parse_number_rejects_non_numbers(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_param_bounds_and_types():
    d = Param("d", int, default=16, min=1, max=1_000_000)
    assert d.parse("4,096") == 4096
    with pytest.raises(ValueError, match="above the maximum"):
        d.parse("1e9")
    with pytest.raises(ValueError, match="integer"):
        d.parse("2.5")
    flag = Param("merged", bool, default=False)
    assert flag.parse("yes") is True
    with pytest.raises(ValueError):
        flag.parse("perhaps")
    kind = Param("claim", str, default="a", choices=("a", "b"))
    with pytest.raises(ValueError, match="not one of"):
        kind.parse("c")


def _verifier():
    return Verifier(
        id="t.echo", version=1, title="echo", run=lambda p: result("supported", "ok", p),
        params=(Param("r", int, default=8, min=1, max=1024),),
        claims=(("lora", "rank_bounded"),),
    )


def test_resolve_params_reports_every_problem():
    v = _verifier()
    assert v.resolve_params({"r": "16"}) == {"r": 16}
    with pytest.raises(ValueError) as info:
        v.resolve_params({"r": "0", "alpha": 1})
    assert "below the minimum" in str(info.value) and "unknown parameter 'alpha'" in str(info.value)


def test_result_rejects_unknown_verdict():
    with pytest.raises(ValueError):
        result("probably", "no")


def test_evidence_round_trip_and_key(tmp_path):
    key = evidence_key("x", 1, {"a": 1, "b": 2})
    assert key == evidence_key("x", 1, {"b": 2, "a": 1})
    assert key != evidence_key("x", 2, {"a": 1, "b": 2})
    path = write_evidence(tmp_path, "x", 1, {"a": 1}, {"verdict": "supported"})
    (tmp_path / "junk.json").write_text("{not json")
    docs = load_evidence(tmp_path)
    assert [d["_path"] for d in docs] == [str(path)]
    assert docs[0]["key"] == evidence_key("x", 1, {"a": 1})




def test_a_broken_verifier_module_is_reported_and_the_others_still_load(tmp_path, monkeypatch):
    import verifiers

    (tmp_path / "broken_one.py").write_text("raise RuntimeError('half-written verifier')\n")
    monkeypatch.setattr(verifiers, "__path__", [*verifiers.__path__, str(tmp_path)])
    found = verifiers.registry(include_entry_points=False)
    assert "lora.param_count" in found
    assert verifiers.LOAD_ERRORS == {
        "verifiers.broken_one": "RuntimeError: half-written verifier"}
