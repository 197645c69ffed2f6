"""The seeds' headline claims pair with the project's own verifiers and the right parameters."""

from articles import seed

from kbcheck.claims import describe_lora_code, extract_claims
from kbcheck.models import Claim
from kbcheck.pairing import pair_claim, pair_claims
from verifiers import registry


def _by_line(article):
    claims = extract_claims(article)
    pairings, findings = pair_claims(claims, registry())
    assert findings == []
    return {(c.line, c.origin): p for c, p in zip(claims, pairings, strict=True)}


def test_seed_003_reduction_and_pseudo_code():
    pairs = _by_line(seed(3))
    reduction = pairs[(42, "body")]
    assert reduction.verifier == "lora.param_count"
    assert {k: reduction.params[k] for k in ("d", "k", "r", "pct")} == {
        "d": 4096, "k": 4096, "r": 16, "pct": 99.6}
    code = pairs[(46, "code")]
    init = next(f for f in code.frames if f.params.get("claim") == "init_equals_base")
    assert init.verifier == "lora.ba_update" and init.params.get("b_init", "zeros") == "zeros"
    # "A is initialised with random values (randn)": how A starts is a frame of its own
    assert any(f.params.get("a_dist") == "random" for f in code.frames)


def test_pseudo_code_with_a_random_b_pairs_as_such():
    # Our own pseudo-code, not a seed's: B random, so the output cannot equal the base's.
    text = describe_lora_code(
        "self.A = torch.randn(r, k)\nself.B = torch.rand(d, r)\n"
        "def forward(self, x):\n    return self.W @ x + self.B @ (self.A @ x)\n")
    pairing, _ = pair_claim(Claim(id="x", path="x", text=text, origin="code"), registry())
    init = next(f for f in pairing.frames if f.params.get("claim") == "init_equals_base")
    assert init.verifier == "lora.ba_update" and init.params.get("b_init") == "random"


def test_time_sensitive_figures_in_seed_002_are_unverifiable_with_the_reason():
    claims = extract_claims(seed(2))
    pairings, _ = pair_claims(claims, registry())
    stars = [p for c, p in zip(claims, pairings, strict=True) if "GitHub stars" in c.text]
    assert stars and stars[0].verifier is None and "time-sensitive" in stars[0].reason


def test_a_myth_tables_false_key_denies_the_cell_before_it():
    # Our own rows: a myth in the first cell, its key and the reason in the second.
    row = ("QLoRA keeps the frozen base in 8-bit", "False: the base is 4-bit NF4")
    claim = Claim(id="x", path="x", text=": ".join(row), origin="body", cells=row)
    pairing, _ = pair_claim(claim, registry())
    frame = next(f for f in pairing.frames if f.verifier == "lora.qlora_storage")
    assert frame.polarity is False, frame
    # a second cell that states rather than keys is read as the row it is
    row = ("QLoRA base weights", "4-bit NF4")
    claim = Claim(id="y", path="y", text=": ".join(row), origin="body", cells=row)
    pairing, _ = pair_claim(claim, registry())
    assert all(f.polarity for f in pairing.frames), pairing.frames
