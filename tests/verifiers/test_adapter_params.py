"""lora.adapter_params: Houlsby adapters counted on presets, paired both ways from sentences."""

import pytest
from paired import pairing

from verifiers._presets import PRESETS
from verifiers.adapter_params import VERIFIER, adapter_row


def _run(sentence: str) -> dict:
    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    return VERIFIER.run(VERIFIER.resolve_params(frame.params))


def test_count_is_houlsbys_formula_on_bert_large():
    row = adapter_row(PRESETS["bert-large"], 64)
    assert row["per_adapter"] == 2 * 64 * 1024 + 64 + 1024
    assert row["adapters"] == 24 * 2 * row["per_adapter"] == 6_343_680
    assert 1.85 < row["share_pct"] < 1.95


def test_a_true_share_is_supported():
    res = _run("On BERT-large, Houlsby adapters with a bottleneck size of 64 add about 1.9% "
               "parameters.")
    assert res["verdict"] == "supported", res["explanation"]


def test_a_false_share_is_refuted_with_the_true_value():
    res = _run("Adapter layers with a bottleneck size of 64 add roughly 10% parameters to "
               "BERT-large.")
    assert res["verdict"] == "refuted" and "1.89%" in res["explanation"], res["explanation"]


def test_open_size_enumerates_which_bottlenecks_fit():
    frame = next(f for f in pairing("Houlsby adapters add about 1% parameters per task.")
                 .frames if f.verifier == VERIFIER.id)
    assert "the bottleneck size" in frame.open and "the model" in frame.open
    res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert res["verdict"] == "conditional"
    assert res["measured"]["bottlenecks_that_fit"]["bert-large"] != "none"


def test_the_papers_own_share_is_judged_in_the_papers_setting():
    """3.6% per task is what Houlsby et al. report for BERT-large on GLUE (sizes 8-256 chosen
    per task); BERT-large adapters give it at m of about 121-128."""
    frame = next(f for f in pairing("Houlsby adapters add only 3.6% parameters per task.")
                 .frames if f.verifier == VERIFIER.id)
    res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert res["verdict"] == "supported" and "Houlsby paper" in res["explanation"]
    assert res["measured"]["bottlenecks_that_fit"]["bert-large"].startswith("121")
    # a model stated is judged on that model alone
    frame = next(f for f in pairing("On BERT-base, Houlsby adapters add 3.6% parameters per "
                                    "task.").frames if f.verifier == VERIFIER.id)
    assert VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"] != "supported"


@pytest.mark.parametrize("sentence", VERIFIER.examples)
def test_examples_pair_back(sentence):
    assert VERIFIER.id in {f.verifier for f in pairing(sentence).frames}


def test_lora_shares_stay_with_param_count():
    assert pairing("LoRA trains 0.06% of the parameters of LLaMA-7B.").verifier == \
        "lora.param_count"


@pytest.mark.parametrize(("sentence", "verdict"), [
    ("Counting its biases, one bottleneck adapter with width m on a d-wide model holds "
     "2md + d + m parameters.", "supported"),
    ("Leaving out the biases, one bottleneck adapter of width m on a d-wide layer has "
     "2md + d + m parameters.", "refuted"),
    ("Without biases a bottleneck adapter carries 2dm parameters.", "supported"),
    # the formula's own d and m terms are the biases: it counts them
    ("A bottleneck adapter of width m holds 2md + d + m parameters.", "supported"),
    ("A bottleneck adapter of width m holds 2md parameters.", "supported"),
    ("Each bottleneck adapter adds about 2md weights plus its biases.", "supported"),
])
def test_a_count_written_in_d_and_m_is_checked_on_built_adapters(sentence, verdict):
    frame = next(f for f in pairing(sentence).frames if f.verifier == VERIFIER.id)
    assert frame.params["formula"] in ("2dm+d+m", "2dm")
    res = VERIFIER.run(VERIFIER.resolve_params(frame.params))
    assert res["verdict"] == verdict, res["explanation"]
    assert res["measured"]["rows"][0]["with"] == 2 * 768 * 64 + 768 + 64


def test_one_adapters_count_before_the_total_across_the_layers_is_not_a_total():
    params = next(f.params for f in pairing(
        "A Houlsby adapter with bottleneck m = 64 has 99,136 parameters with its biases, so two "
        "per layer across BERT-base's 12 layers come to 2,379,264.").frames
        if f.verifier == VERIFIER.id)
    assert "99136" not in params["figures"] and "2379264" in params["figures"]
    assert VERIFIER.run(VERIFIER.resolve_params(params))["verdict"] == "supported"


def test_the_width_a_formula_is_worked_for_and_a_bottleneck_size_in_words():
    """2 x (2dm + d + m) per layer: 2 x 99,136 x 12 = 2,379,264 for BERT-base at m = 64."""
    params = next(f.params for f in pairing(
        "Two bottleneck adapters per layer, each 2dm + d + m parameters; for BERT-base (d = "
        "768, 12 layers) and m = 64 that totals 2,379,264.").frames if f.verifier == VERIFIER.id)
    assert "768" not in params["figures"].split(";")[0] and "2379264" in params["figures"]
    params = next(f.params for f in pairing(
        "Houlsby adapters come two per layer; with hidden size 768 and bottleneck size 64, each "
        "one (biases included) has 99,136 parameters, about 2.4 million across the 12 layers of "
        "BERT-base.").frames
        if f.verifier == VERIFIER.id)
    assert params["bottleneck"] == 64 and "99136" not in params["figures"]
    assert VERIFIER.run(VERIFIER.resolve_params(params))["verdict"] == "supported"


@pytest.mark.parametrize(("count", "verdict"), [("99,136", "supported"), ("13,064", "refuted"),
                                                ("2,379,264", "supported")])
def test_a_table_rows_per_module_and_total_columns_each_keep_their_name(count, verdict):
    """A wikitable row named "Houlsby" alone, its per-module and total counts in two columns:
    each cell is checked as what its column says (one adapter: 99,136; 24 of them: 2,379,264)."""
    from kbcheck.claims.rows import row_context, row_segments
    from kbcheck.markup import row_cells

    column = "Params in total" if count.count(",") == 2 else "Params per module"
    other = "Params per module" if column == "Params in total" else "Params in total"
    cells = row_cells(["Houlsby, d = 768, m = 64, 2 per layer, 12 layers", count, "-", "No"],
                      ["Method", column, other, "Mergeable"])
    context = row_context("", "Worked numbers (BERT-base: d = 768, 12 layers)")
    segment = row_segments(cells, context)[0]
    assert pairing(segment).verifier == VERIFIER.id, segment
    assert _run(segment)["verdict"] == verdict, segment


def test_one_modules_count_before_the_total_said_with_across():
    params = next(f.params for f in pairing(
        "With d = 768 and m = 64 a bottleneck adapter adds 2md + m + d parameters, 99,136 per "
        "module, or about 2.4 million "
        "across the twelve layers of BERT-base with two modules per layer.").frames
        if f.verifier == VERIFIER.id)
    assert "99136" not in params["figures"] and "2400000" in params["figures"], params


def test_a_bottleneck_given_as_a_bare_number():
    frame = next(f for f in pairing("With hidden size 768 and bottleneck 64, each Houlsby adapter "
                                    "has 99,136 parameters with its biases.").frames
                 if f.verifier == VERIFIER.id)
    assert frame.params["bottleneck"] == 64, frame.params
