"""lora.merge_latency: claim shapes, the verdict table, and one robust-by-construction timing."""

import pytest
from paired import best_verifier, pairing

from verifiers import registry
from verifiers.merge_latency import VERIFIER, _verdict


def test_latency_sentence_goes_to_latency_not_merge_equivalence():
    mine = [v for k, v in registry(include_entry_points=False).items() if k in (
        "lora.merge_latency", "lora.merge_equivalence", "lora.ba_update")]
    vid, _ = best_verifier(mine, "No inference latency: LoRA weights can be merged into the "
                                 "base model (W' = W + BA)")
    assert vid == "lora.merge_latency"




@pytest.mark.parametrize(("claim", "weights", "merged", "unmerged", "verdict"), [
    ("no_latency", "merged", "same", "slower", "supported"),
    ("no_latency", "merged", "slower", "slower", "refuted"),
    ("no_latency", "unspecified", "same", "slower", "conditional"),
    ("no_latency", "unspecified", "same", "same", "supported"),
    ("adds_latency", "merged", "same", "slower", "refuted"),
    ("adds_latency", "unmerged", "same", "slower", "supported"),
    ("adds_latency", "unspecified", "same", "slower", "conditional"),
])
def test_verdict_table(claim, weights, merged, unmerged, verdict):
    assert _verdict(claim, weights, merged, unmerged)[0] == verdict


@pytest.mark.slow
def test_merged_matches_base_and_large_rank_unmerged_is_slower():
    # Robust by construction: merged and base are the same operation; unmerged at r=128 on a
    # 256-wide layer does 2x the multiply-adds of the base plus four extra kernels.
    params = VERIFIER.resolve_params({"claim": "no_latency", "weights": "unspecified",
                                      "r": 64, "batch": 1, "seq": 16, "rounds": 12,
                                      "budget_s": 1.0})
    out = VERIFIER.run(params)
    assert [(e["d"], e["k"]) for e in out["measured"]["settings"]] == [
        (4096, 4096), (11008, 4096), (512, 512)]
    assert out["measured"]["unmerged_class"] == "slower", out["explanation"]
    assert out["verdict"] == "conditional"  # holds once merged; unmerged is slower




def test_peft_model_timing_is_reported_beside_the_verdict():
    from verifiers._tiny import peft_available

    params = VERIFIER.resolve_params({"weights": "merged", "peft": True, "rounds": 5,
                                      "budget_s": 0.2, "batch": 1, "seq": 1, "tokens": 8})
    out = VERIFIER.run(params)
    peft = out["measured"]["peft"]
    if not peft_available():
        assert "skipped" in peft
        return
    assert set(peft) >= {"merged_vs_base", "unmerged_vs_base"}
    assert peft["unmerged_vs_base"]["ratio"] > 0


# --- claim shapes through the real pairing --------------------------------------------------

def _frame(sentence: str):
    """The first frame of `sentence` the real pairing gives this verifier, or None."""
    return next((f for f in pairing(sentence).frames if f.verifier == VERIFIER.id), None)


@pytest.mark.parametrize(("sentence", "weights", "denied"), [
    # the merge state before or after the latency words
    ("After the update is merged, a LoRA model is no slower than the base model at inference.",
     "merged", False),
    ("LoRA adds no inference latency, provided the weights are merged before serving.",
     "merged", False),
    ("If you don't merge, LoRA adds some latency to every forward pass.", "unmerged", True),
    ("With the LoRA weights kept separate, inference gets slower.", "unmerged", True),
    ("Dynamic adapter switching comes with extra inference latency.", "unmerged", True),
    ("Without merging, a LoRA layer keeps pace with the plain layer.", "unmerged", False),
    # both states named: the one written right before the words that were read
    ("Unmerged, the model was clearly slower; merged, it had the same speed as the base.",
     "merged", False),
    ("Merging changes nothing - the merged network is as slow as the unmerged one.",
     "merged", True),
    ("By folding B A into W before deployment, the model does identical computation to the "
     "original, with no dynamic adapter loading.", "merged", False),
    # equality and direction wordings
    ("Once merged, LoRA inference costs the same as the base model.", "merged", False),
    ("When W0 + BA is precomputed, the latency is unchanged.", "merged", False),
    ("Fusing the LoRA weights into the model results in faster inference.", "merged", False),
    ("Merged LoRA has lower latency than unmerged LoRA.", "merged", False),
    ("A LoRA that was merged does not slow decoding down.", "merged", False),
    ("Merged LoRA weights make every forward pass slower.", "merged", True),
    ("LoRA slows generation.", "unspecified", True),
    # no state stated, no latency claimed: the method's property, which it has by merging
    ("Low-rank adaptation adds no extra cost at inference time.", "merged", False),
    ("A model tuned with LoRA generates just as fast as the model it started from.", "merged",
     False),
    # ... but not where several adapters share one base, or one is said to stay attached,
    # nor where the sentence claims every setting
    ("Routing each request to its own LoRA adapter adds no inference latency.", "unspecified",
     False),
    ("With our adapter attached, the network generates just as fast as the base model.",
     "unspecified", False),
    ("LoRA never makes inference slower.", "unspecified", False),
    # a state named anywhere keeps its own reading, and "whichever way it is served" is every
    # state
    ("Unmerged LoRA costs nothing at inference, since the update is folded into W.",
     "unspecified", False),
    ("However it is served, a LoRA model generates just as fast as the base model.",
     "unspecified", False),
])
def test_merge_state_and_polarity_are_read_where_they_are_written(sentence, weights, denied):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params == {"claim": "no_latency", "weights": weights,
                            "model_stated": False}, frame
    assert frame.polarity is not denied, frame


def test_a_cost_put_on_unmerged_weights_and_taken_away_by_a_merge_is_the_split():
    frame = _frame("Risk: unmerged adapters run extra low-rank matmuls on every forward pass; "
                   "mitigation: merge the adapter into the base, which removes that overhead.")
    assert frame is not None and frame.params["weights"] == "unspecified"
    assert frame.modality == "split"


@pytest.mark.parametrize(("sentence", "unit", "low", "high"), [
    ("Unmerged LoRA made generation roughly 40 percent slower in our runs.", "pct", 40, 40),
    ("Serving unmerged adapters costs 2-5% extra latency depending on batch size.", "pct", 2, 5),
    ("The unmerged model took 1.5x longer per token.", "x", 1.5, 1.5),
    ("An unmerged LoRA adapter adds 2 ms per forward pass.", "ms", 2, 2),
])
def test_a_stated_size_of_the_slowdown_is_judged_as_stated(sentence, unit, low, high):
    frame = _frame(sentence)
    assert frame is not None, pairing(sentence).reason
    assert frame.params["weights"] == "unmerged" and not frame.polarity
    assert frame.params["claim"] == "not_slower_by"
    assert (frame.params["size_unit"], frame.params["size_low"],
            frame.params["size_high"]) == (unit, low, high)


def test_the_claims_rank_batch_and_model_are_read():
    frame = _frame("Unmerged LoRA on LLaMA-7B with rank 16 is 40% slower at batch 1.")
    assert frame.params["r"] == 16 and frame.params["batch"] == 1
    assert frame.params["model_stated"] is True


def _setting(d, ratios, merged=1.0, small=False, half=0.02):
    e = {"d": d, "k": 4096, "batch": 1, "seq": 1, "small": small, "median_ms": {"base": 1.0},
         "merged": {"ratio": merged, "low": merged - half, "high": merged + half,
                    "added_ms": 0.0}}
    for r, x in ratios.items():
        e[f"unmerged_r{r}"] = {"ratio": x, "low": x - half, "high": x + half,
                               "added_ms": x - 1}
    return e


def _size(unit, low, high=None, weights="unmerged", **kw):
    return VERIFIER.resolve_params({"claim": "not_slower_by", "weights": weights,
                                    "size_unit": unit, "size_low": low,
                                    "size_high": low if high is None else high, **kw})


GRID = [_setting(4096, {8: 1.05, 64: 1.10}), _setting(512, {8: 1.3, 64: 1.6}, small=True)]


@pytest.mark.parametrize(("params", "verdict"), [
    # 'not X slower' is what the verifier judges: the pipeline turns it round
    (_size("pct", 5, 10, r=8), "conditional"),           # holds at 4096, not at 512
    (_size("pct", 3, 60), "refuted"),                      # holds everywhere: the claim holds
    (_size("pct", 45, 50), "conditional"),                 # at the 512-wide layer
    (_size("pct", 20), "conditional"),                     # between the settings timed
    (_size("x", 5), "unverifiable"),                       # nowhere, and settings left open
    (_size("x", 1.8), "conditional"),                      # the 512-wide layer at r=64
    (_size("pct", 20, weights="merged"), "supported"),    # merged is the base's operation
    (_size("pct", 3, 60, weights="unspecified"), "conditional"),  # only when unmerged
])
def test_size_verdict_table(params, verdict):
    from verifiers.merge_latency import _size_verdict

    assert _size_verdict(params, GRID)[0] == verdict


@pytest.mark.parametrize(("ms", "verdict"), [(50.0, "conditional"), (1.0, "unverifiable")])
def test_added_milliseconds_are_read_over_surely_slower_settings(ms, verdict):
    from verifiers.merge_latency import _size_verdict

    noisy = _setting(4096, {8: 0.5})  # a negative difference must not widen the span
    grid = [_setting(4096, {8: 1.1, 64: 1.5}), noisy]  # +0.1 / +0.5 ms per layer
    assert _size_verdict(_size("ms", ms), grid)[0] == verdict


def test_an_interval_that_reaches_the_figure_keeps_it_open():
    from verifiers.merge_latency import _size_verdict

    grid = [_setting(4096, {8: 1.05}), _setting(512, {64: 1.6}, small=True, half=0.2)]
    verdict, why = _size_verdict(_size("x", 2.1), grid)
    assert verdict == "conditional" and "reaches" in why, why


def test_noisy_merged_timings_leave_a_stated_slowdown_undecided():
    """Merged is the base's own layer: timings too noisy to rule a figure out do not make it
    hold 'in some setting' (that would be conditional); it stays undecided."""
    from verifiers.merge_latency import _size_verdict

    grid = [_setting(4096, {64: 1.03}, merged=0.96, half=0.2),
            _setting(11008, {64: 1.0}, merged=0.97, half=0.2),
            _setting(512, {64: 3.5}, merged=1.23, small=True, half=0.6)]
    verdict, why = _size_verdict(_size("pct", 20, weights="merged"), grid)
    assert verdict == "unverifiable" and "not decided" in why, why


def test_overall_classes_let_one_noisy_merged_setting_pass():
    from verifiers.merge_latency import _overall

    grid = [_setting(4096, {8: 1.05}, merged=1.3), _setting(4096, {8: 1.05}),
            _setting(4096, {8: 1.05})]
    assert _overall(grid, 0.10) == ("same", "slower")
    assert _overall([_setting(4096, {8: 1.0})], 0.10) == ("same", "same")


@pytest.mark.parametrize("sentence", [
    # hot-swapping "at serving time" is when, not how long
    "LoRA adapters can be swapped at serving time without reloading the base model.",
    # training speed, dequantization
    "LoRA slows down training compared with full fine-tuning.",
    "QLoRA is slower because of the dequantization overhead in every step.",
    # latency said of adapters set against LoRA
    "The adapter approach pays an inference penalty that LoRA avoids once merged.",
    "Because adapters run sequentially they add latency, while merged LoRA adds none.",
])
def test_other_latency_words_do_not_pair_here(sentence):
    assert _frame(sentence) is None, pairing(sentence).frames


# --- verdicts: the real pairing, the real measurement, the pipeline's judgement -------------

@pytest.fixture(scope="module")
def judged():
    from kbcheck.pipeline import _frame_verdict
    from kbcheck.runner import Runner, RunOptions, make_job

    def judge(sentence: str):
        frame = _frame(sentence)
        assert frame is not None, pairing(sentence).reason
        job = make_job(VERIFIER, {**frame.params, "r": 64, "batch": 1, "seq": 16,
                                  "rounds": 12, "budget_s": 2.0})
        return _frame_verdict(Runner(RunOptions()).run([job])[job.key], frame)
    return judge


def test_true_merged_claim_is_supported_and_false_one_refuted_with_the_ratio(judged):
    verdict, why = judged("Once merged, LoRA runs as fast as the base model at inference.")
    assert verdict.value == "supported", why
    verdict, why = judged("Even after merging, LoRA makes inference slower than the base.")
    assert verdict.value == "refuted", why
    assert "4096x4096" in why


def test_unmerged_slowdown_is_supported_and_its_denial_refuted(judged):
    verdict, why = judged("Keeping the adapter unmerged slows the forward pass down.")
    assert verdict.value == "supported", why
    verdict, why = judged("Unmerged LoRA runs exactly as fast as the base model.")
    assert verdict.value == "refuted", why
    assert "unmerged r=64" in why


def test_merged_stated_slowdown_is_refuted_and_unmerged_one_conditional(judged):
    verdict, why = judged("Merged LoRA is 20% slower than the base model.")
    # a merged layer is the base's own matmul: never supported; on a loaded machine the
    # timings may be too noisy to refute it (then it is left undecided, never judged wrongly)
    assert verdict.value in ("refuted", "unverifiable"), why
    verdict, why = judged("Unmerged LoRA is 45-50% slower than the base model.")
    assert verdict.value == "conditional", why


def test_claims_that_differ_only_in_what_they_state_share_one_timing():
    from verifiers import _latency_grid
    from verifiers.merge_latency import VERIFIER as LATENCY

    small = {"r": 8, "batch": 1, "seq": 1, "rounds": 5, "budget_s": 0.2}
    first = LATENCY.run(LATENCY.resolve_params({**small, "claim": "no_latency"}))
    timed = len(_latency_grid._MEASURED)
    second = LATENCY.run(LATENCY.resolve_params({**small, "weights": "merged"}))
    assert len(_latency_grid._MEASURED) == timed  # the second claim timed nothing new
    assert first["measured"]["settings"] == second["measured"]["settings"]


@pytest.mark.parametrize(("sentence", "split"), [
    ("Unmerged, every adapted layer runs two extra small matmuls, which is why merging is "
     "the usual advice for serving one adapter.", True),
    ("Kept unmerged the adapter costs some extra compute per token; merging removes it.", True),
    ("LoRA adds no inference latency.", False),
])
def test_a_sentence_that_says_where_the_cost_is_reads_the_split(sentence, split):
    """Merged LoRA is one plain weight; unmerged it runs B(Ax) besides: a sentence that puts
    the cost on the unmerged weights and takes it away by merging says the measured split."""
    frame = pairing(sentence).frames[0]
    assert frame.verifier == VERIFIER.id, frame.reason
    assert (frame.modality == "split") is split


def test_a_variants_cost_set_against_plain_lora_is_not_timed_against_the_base():
    from verifiers.merge_latency import VERIFIER as LATENCY

    for text in ("LoRA+ keeps the inference cost of plain LoRA.",
                 "rsLoRA costs the same compute at serving time as standard LoRA."):
        frames = [f for f in pairing(text).frames if f.predicate == "no_added_latency"]
        assert frames and all(f.verifier != LATENCY.id for f in frames), text


@pytest.mark.parametrize(("sentence", "denied"), [
    ("Once merged, the adapted model runs faster than the original base model.", False),
    ("A merged LoRA model is not faster than the base model it came from.", True),
])
def test_faster_than_the_base_is_its_own_claim(sentence, denied):
    frame = _frame(sentence)
    assert frame is not None and frame.params["claim"] == "faster", frame
    assert frame.polarity is not denied, frame


@pytest.mark.parametrize("sentence", [
    "Merging the adapter won't help latency, since BA is still computed on every pass.",
    "Folding the update into the weights does not reduce inference latency.",
])
def test_latency_said_not_to_be_helped_by_merging_is_denied(sentence):
    frame = _frame(sentence)
    assert frame is not None and frame.params["weights"] == "merged", frame
    assert frame.polarity is False, frame


@pytest.mark.parametrize(("weights", "merged", "unmerged", "verdict"), [
    ("merged", 1.0, 1.05, "refuted"),       # the base's operation: not faster
    ("merged", 0.7, 1.05, "supported"),     # were it surely faster in most settings
    ("unspecified", 0.7, 1.05, "conditional"),
    ("merged", 0.9, 1.05, "unverifiable"),  # an interval across the tolerance line
])
def test_faster_verdict_table(weights, merged, unmerged, verdict):
    from verifiers.merge_latency import _faster_verdict

    grid = [_setting(4096, {8: unmerged}, merged=merged, half=0.03)] * 3
    assert _faster_verdict(weights, grid, 0.10)[0] == verdict


def test_the_latency_of_one_part_of_the_model_is_not_timed():
    frames = [f for f in pairing("Unmerged LoRA sits on the attention projections only, so the "
                                 "MLP latency does not change.").frames
              if f.predicate == "no_added_latency"]
    assert frames and all(f.verifier is None for f in frames)
