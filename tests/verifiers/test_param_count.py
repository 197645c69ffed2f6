"""lora.param_count: counts per matrix (real and meta tensors) and per model preset."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from paired import paired_params as shape_params

from verifiers.param_count import VERIFIER, count_matrix, model_row


def _params(sentence):
    params = shape_params(VERIFIER, sentence)
    assert params is not None, sentence
    return params


def test_seed_99_6_percent_for_r16_is_refuted_and_r8_is_named():
    out = VERIFIER.run(_params("For d=k=4096, r=16: 99.6% reduction"))
    assert out["verdict"] == "refuted"
    row = out["measured"]["matrices"][0]
    assert (row["full"], row["lora"]) == (4096 * 4096, 16 * 8192)
    assert row["reduction_pct"] == pytest.approx(99.21875)
    assert 8 in out["measured"]["ranks_that_match"]
    assert VERIFIER.run(_params("With d = k = 4,096 and rank 8, LoRA gives a 99.6% reduction in "
                                "parameters."))["verdict"] == "supported"


def test_large_matrix_is_counted_on_meta_device():
    row = count_matrix(10**6, 10**6, 4)
    assert row["device"] == "meta" and row["full"] == 10**12 and row["lora"] == 8 * 10**6


def test_up_to_10000x_is_conditional_and_names_configurations():
    out = VERIFIER.run(_params("Instead of updating all model parameters during fine-tuning, "
                               "LoRA injects small, trainable low-rank matrices into the model's "
                               "weight layers, reducing trainable parameters by up to 10,000x "
                               "while maintaining near full-fine-tuning performance."))
    assert out["verdict"] == "conditional"
    configs = [x["config"] for x in out["measured"]["holding_examples"]]
    assert "gpt3-175b r=1 on q,v" in configs
    assert out["measured"]["typical"]["ratio"] == pytest.approx(1606.6, abs=0.1)


@pytest.mark.parametrize(("sentence", "verdict"), [
    # the paper's reduction on GPT-3 175B is its r=4 on Wq and Wv (about 9,250x, "10,000x")
    ("The LoRA paper trained about ten thousand times fewer parameters on GPT-3 175B.",
     "supported"),
    ("As the original paper showed on GPT-3 175B, LoRA needs 1,000x fewer trainable parameters.",
     "refuted"),
    # said without the paper: every rank and set of modules is open
    ("On GPT-3 175B LoRA trains 1,000x fewer parameters.", "conditional"),
])
def test_a_reduction_said_to_be_the_papers_is_judged_in_its_setting(sentence, verdict):
    assert VERIFIER.run(_params(sentence))["verdict"] == verdict


def test_fraction_range_and_false_fraction():
    out = VERIFIER.run(_params("Parameter efficiency: Train 0.1-1% of original parameters"))
    assert out["verdict"] == "conditional"
    false = _params("On LLaMA 7B with r=8 on q and v, LoRA trains 5-10% of the parameters.")
    assert (false["model"], false["r"]) == ("llama-7b", 8)
    out = VERIFIER.run(false)
    assert out["verdict"] == "refuted"
    assert out["measured"]["not_holding_examples"][0]["fraction_pct"] == pytest.approx(0.06224,
                                                                                       abs=1e-4)




def test_stated_count_both_directions():
    true = _params("GPT-3 175B with LoRA r=4 on the query and value projections has 18.9M "
                   "trainable parameters.")
    assert VERIFIER.run(true)["verdict"] == "supported"
    false = _params("GPT-3 175B with LoRA r=4 on the query and value projections has 189M "
                    "trainable parameters.")
    assert VERIFIER.run(false)["verdict"] == "refuted"


def test_meta_count_matches_analytic_preset_count():
    row = model_row("llama2-70b", "all", 16)
    # q 8192->8192, k/v 8192->1024, o 8192->8192, gate/up 8192->28672, down 28672->8192
    per_block = 16 * (2 * 8192 + 2 * (8192 + 1024) + 8192 * 2 + 3 * (8192 + 28672))
    assert row["lora"] == 80 * per_block


@pytest.mark.parametrize("sentence", [
    "LoRA reduces GPU memory by 3x.",
    "QLoRA enables 65B fine-tuning on a single 48GB GPU.",
    "LoRA adapters are 5-50 MB.",
])
def test_shapes_leave_memory_and_size_claims(sentence):
    assert shape_params(VERIFIER, sentence) is None






def test_matrix_count_without_unit_suffix():
    params = _params("For a 4096 x 4096 weight matrix, rank-16 LoRA needs 131,072 trainable "
                     "parameters instead of 16.7M.")
    assert (params["claim"], params["d"], params["k"], params["r"]) == ("count", 4096, 4096, 16)
    assert VERIFIER.run(params)["verdict"] == "supported"
    wrong = {**params, "figures": params["figures"].replace("lora:eq:131072:", "lora:eq:262144:")}
    assert VERIFIER.run(wrong)["verdict"] == "refuted"


def test_huge_stated_matrix_is_counted_without_allocating():
    params = VERIFIER.resolve_params({"claim": "reduction_pct", "d": "1e9", "k": "1e9", "r": 8,
                                      "pct": 99.9999})
    out = VERIFIER.run(params)
    row = out["measured"]["matrices"][0]
    assert row["device"] == "meta" and row["full"] == 10**18
    assert out["verdict"] == "refuted"  # 99.9999984%, not 99.9999% to the stated digits


@settings(max_examples=30, deadline=None)
@given(d=st.integers(2, 5000), k=st.integers(2, 5000), r=st.integers(1, 64))
def test_any_matrix_true_percentage_supported_and_a_wrong_one_refuted(d, k, r):
    assume(r * (d + k) < d * k)
    true = 100.0 * (1 - r * (d + k) / (d * k))
    assume(true >= 2.0)
    base = {"claim": "reduction_pct", "d": d, "k": k, "r": r}
    stated = VERIFIER.resolve_params({**base, "pct": f"{true:.2f}"})
    assert VERIFIER.run(stated)["verdict"] == "supported"
    wrong = VERIFIER.resolve_params({**base, "pct": f"{true - 1.0:.2f}"})
    assert VERIFIER.run(wrong)["verdict"] == "refuted"


# --- several stated figures, checked together ------------------------------------------------

def _verdict(sentence):
    return VERIFIER.run(_params(sentence))["verdict"]


def test_peft_print_line_without_a_model_is_checked_by_its_own_arithmetic():
    line = "trainable params: 4,194,304 || all params: 6,742,609,920 || trainable%: {}"
    params = _params(line.format("0.0622"))
    assert params["claim"] == "arithmetic"
    assert VERIFIER.run(params)["verdict"] == "supported"
    out = VERIFIER.run(_params(line.format("0.622")))
    assert out["verdict"] == "refuted"
    assert out["measured"]["derived"][0]["value"] == pytest.approx(0.062206, abs=1e-5)


@pytest.mark.parametrize(("sentence", "verdict"), [
    # a total written rounded ("13B": 12.5-13.5B) gives a share only as exact as it is
    ("Some-13B at r=8: 6,553,600 trainable, which is 0.0503% of the weights.", "supported"),
    ("Some-13B at r=8: 6,553,600 trainable, which is 0.503% of the weights.", "refuted"),
])
def test_a_rounded_total_checks_a_share_within_its_rounding(sentence, verdict):
    params = _params(sentence)
    assert params["claim"] == "arithmetic"
    assert VERIFIER.run(params)["verdict"] == verdict


def test_peft_print_line_with_a_model_counts_all_params_as_peft_does():
    # PEFT's trainable% divides by all params (base + LoRA): 6,553,600 / 13,022,417,920.
    true = ("Llama 2 13B with r=8 on q_proj and v_proj prints trainable params: 6,553,600 || "
            "all params: 13,022,417,920 || trainable%: 0.0503")
    assert _verdict(true) == "supported"
    false = true.replace("6,553,600", "13,107,200").replace("0.0503", "0.1006")
    out = VERIFIER.run(_params(false))
    assert out["verdict"] == "refuted"
    assert out["measured"]["not_holding_examples"][0]["lora"] == 6_553_600


def test_matrix_with_both_counts_and_a_ratio():
    assert _verdict("With d = k = 4096 and r = 8 the adapter holds 65,536 values, which is 256 "
                    "times fewer than the 16.8 million entries of W.") == "supported"
    # 4096 * 4096 is 16.8M, not 15M: the full count is decisive once d, k and r are stated.
    out = VERIFIER.run(_params(
        "A LoRA decomposition of rank r=8 will reduce the number of trainable parameters for a "
        "given projection from 4096 * 4096 ~ 15M to 8 * 8192 ~ 65K, a reduction of over 99%."))
    assert out["verdict"] == "refuted"
    assert out["measured"]["matrices"][0]["full"] == 16_777_216


def test_a_stated_count_names_the_rank_left_unread():
    assert _verdict("A 4096x4096 matrix keeps just 8,192 trainable entries, i.e. 2,048 times "
                    "fewer.") == "supported"
    assert _verdict("A 4096x4096 matrix keeps just 8,192 trainable entries, i.e. 1,024 times "
                    "fewer.") == "refuted"


def test_one_parameter_in_n_is_a_share():
    true = ("With rank 8 on the query and value projections of LLaMA 7B, fewer than one "
            "parameter in a thousand is trained.")
    assert _verdict(true) == "supported"
    assert _verdict(true.replace("a thousand", "100000")) == "refuted"


def test_count_with_share_names_a_configuration_on_a_named_model():
    assert _verdict("On GPT-3 175B, LoRA with 4.7 million trainable parameters (0.0027% of the "
                    "base model) was trained.") == "supported"
    assert _verdict("On GPT-3 175B, LoRA with 4.7 million trainable parameters (0.27% of the "
                    "base model) was trained.") == "refuted"


def test_bare_size_is_never_refuted_and_other_models_are_not_judged():
    params = _params("For a 7B parameter model, rank 8 adds approximately 4.2 million trainable "
                     "parameters (0.06%), while rank 256 adds approximately 20.3 million (0.3%).")
    assert params["model"] == "llama-7b"
    assert shape_params(VERIFIER, "Fine-tuning Falcon-180B with rank-16 LoRA on all linear "
                                  "layers trains about 42 million parameters.") is None


@pytest.mark.parametrize("sentence, verdict", [
    # 32 blocks x 16 x (8192 + 2 x 5120 + 8192 + 3 x 18432) = 41,943,040 (Mistral's GQA)
    ("Fine-tuning Mistral-7B with rank-16 LoRA on all linear layers trains about 42 million "
     "parameters.", "supported"),
    ("Applied to Llama 3 8B with r=16 on all linear layers, LoRA trains about 42 million "
     "parameters.", "supported"),
    ("LoRA on GPT-2 XL with r=4 trains 100M parameters.", "refuted"),
    ("LoRA with r=8 on the query and value matrices of RoBERTa-large trains about 0.8M "
     "parameters.", "supported"),
])
def test_models_of_other_architectures(sentence, verdict):
    assert _verdict(sentence) == verdict


def test_formula_r_d_k_is_refuted():
    params = _params("The number of LoRA parameters for a dxk weight at rank r is r*d*k.")
    assert params["formula"] == "rdk"
    assert VERIFIER.run(params)["verdict"] == "refuted"


def test_task_scores_beside_a_share_are_not_read_as_shares():
    true = ("On LLaMA 7B with r=8 on q and v, LoRA reaches 99% of full fine-tuning accuracy "
            "while training 0.06% of the parameters.")
    assert _verdict(true) == "supported"
    assert _verdict(true.replace("0.06%", "0.6%")) == "refuted"


def test_a_memory_ratio_is_not_a_parameter_ratio():
    params = _params("For GPT-3 175B with r=4 on the query and value projections, LoRA reduces "
                     "the number of trainable parameters by 10,000 times and the GPU memory "
                     "requirement by 3 times.")
    assert params["figures"].count("ratio:") == 1
    assert VERIFIER.run(params)["verdict"] == "supported"


def test_a_factor_said_of_memory_in_words_is_not_a_parameter_ratio():
    params = _params("For GPT-3 175B at r=4 on Wq and Wv, LoRA trains ten thousand times fewer "
                     "parameters, with a threefold drop in training memory.")
    assert params["figures"].count("ratio:") == 1


def test_bare_size_holds_only_for_the_preset_shape():
    from paired import pairing

    frame = pairing("For a 7B model, rank 8 on q and v trains about 4.2 million parameters.").frames
    paired = [f for f in frame if f.verifier == VERIFIER.id]
    assert paired and "llama-7b" in paired[0].condition  # supported becomes conditional


def test_a_second_model_size_leaves_the_figures_unattributed():
    assert shape_params(VERIFIER, "Unlike LLaMA 7B, LLaMA 65B with r=8 on q and v trains 21M "
                                  "parameters.") is None


def test_a_cut_said_without_a_number_is_checked_as_at_least_tenfold():
    from paired import pairing

    p = pairing("LoRA can greatly reduce the trainable parameter count compared with full "
                "fine-tuning.")
    assert (p.verifier, p.params, p.negated) == ("lora.param_count", {"claim": "reduces"}, False)
    out = VERIFIER.run(VERIFIER.resolve_params(p.params))
    assert out["verdict"] == "supported", out["explanation"]
    denied = pairing("LoRA does not reduce the number of trainable parameters.")
    assert denied.verifier == "lora.param_count" and denied.negated  # refuted once turned round


def _count_verdict(text):
    from paired import pairing

    from verifiers.param_count import VERIFIER as COUNT

    frame = next(f for f in pairing(text).frames if f.verifier == COUNT.id)
    out = COUNT.run(COUNT.resolve_params(frame.params))
    return frame, out["verdict"], out["explanation"]


@pytest.mark.parametrize(("text", "verdict"), [
    # r=8 on LLaMA-7B: 2.1M (one module) to 20M (all linear layers)
    ("On LLaMA-7B, rank-8 LoRA trains about 300 million parameters.", "refuted"),
    ("On LLaMA-7B, rank-8 LoRA trains 4% of the weights.", "refuted"),
    # 2.1M is one 4096x4096 module at r=8: some set of modules gives it
    ("On LLaMA-7B, rank-8 LoRA trains about 2.1 million parameters.", "unverifiable"),
])
def test_with_modules_unstated_only_what_no_module_set_gives_is_refuted(text, verdict):
    _, got, why = _count_verdict(text)
    assert got == verdict, why


def test_each_rank_keeps_its_own_figures():
    # LLaMA-7B q,v: r=4 -> 2.10M, r=32 -> 16.8M
    frame, got, why = _count_verdict("On LLaMA-7B with q and v adapted, rank 4 trains about 2.1M "
                               "parameters, and rank 32 about 16.8M.")
    assert frame.params["segments"].startswith("4@") and got == "supported", why
    _, got, why = _count_verdict("On LLaMA-7B with q and v adapted, rank 4 trains about 2.1M "
                           "parameters, and rank 32 about 30M.")
    assert got == "refuted", why
    # a bare '7B': no 7B-sized architecture gives 9.5M at r=128 on any modules (14.7M at least)
    _, got, why = _count_verdict("For a 7B model, rank 8 trains roughly 4.2M parameters while "
                                 "rank 128 trains roughly 9.5M.")
    assert got == "refuted" and "no set of adapted modules" in why, why


def test_a_models_total_alone_is_checked_as_the_total():
    frame, got, why = _count_verdict("Llama-3-8B has about 8.03 billion parameters in all.")
    assert frame.params["claim"] == "total" and got == "supported", why
    _, got, why = _count_verdict("Llama-3-8B has about 8.5 billion parameters in all.")
    assert got == "refuted", why


def test_widths_and_operands_are_not_counts():
    frame, got, why = _count_verdict("On Llama-2-70B, rank 16 on q_proj and v_proj trains 32.8 "
                                     "million parameters, since v_proj outputs only 1024 "
                                     "features.")
    assert got == "supported", why
    assert "1,024" not in frame.params.get("figures", "") and ":1024:" not in \
        frame.params.get("figures", "")


def test_a_count_below_the_models_floor_that_one_matrix_has_is_not_refuted():
    """40,960 = 8 x (4096 + 1024): one k_proj of Llama-3-8B at r=8, not a model-wide count."""
    from verifiers.param_count import VERIFIER as PC

    one = PC.run(PC.resolve_params({"claim": "count", "model": "llama3-8b", "r": 8,
                                    "figures": "lora:eq:40960:0:0.00001", "modules_open": True}))
    assert one["verdict"] == "unverifiable" and "k_proj" in one["measured"]["one_part"]
    # a count no single matrix has, below every LoRA of the model, is still refuted
    low = PC.run(PC.resolve_params({"claim": "count", "model": "llama3-8b", "r": 8,
                                    "figures": "lora:eq:50000:0:0.00001", "modules_open": True}))
    assert low["verdict"] == "refuted" and "floor" in low["measured"]


def test_a_bare_size_holds_for_a_model_of_that_size_shaped_otherwise():
    """q and v at rank 16 of "a 7B model": not Llama-7B's count, but a 7-8B model with
    grouped-query attention has it, so the claim holds for a model shaped so."""
    out = VERIFIER.run(_params("Limiting LoRA to q_proj and v_proj of a 7B model at rank 16 "
                               "trains only 6.8 million parameters."))
    assert out["verdict"] == "conditional", out["explanation"]
    assert out["measured"]["other_shapes_holding"]
    wrong = VERIFIER.run(_params("Limiting LoRA to q_proj and v_proj of a 7B model at rank 16 "
                                 "trains only 3 million parameters."))
    assert wrong["verdict"] == "refuted", wrong["explanation"]


def test_one_matrix_of_a_bare_size_is_a_count_of_one_part():
    out = VERIFIER.run(_params("A rank-8 adapter on a 7B model's query projection adds 65,536 "
                               "trainable parameters."))
    assert out["verdict"] == "unverifiable" and "one part" in out["explanation"]


def test_each_set_of_modules_is_checked_at_the_rank_said_in_its_part():
    params = _params("On Llama-3-8B, r=16 on every linear layer should report 41,943,040 "
                     "trainable parameters; the 3,407,872 in that printout is the q/v-only count "
                     "at r=8.")
    assert params["segments"] == "16/all@lora:eq:41943040:0:0.01#8/qv@lora:eq:3407872:0:0.01"
    assert VERIFIER.run(params)["verdict"] == "supported"


def test_a_count_said_to_be_the_same_on_another_model_is_counted_on_both():
    # grouped-query attention makes Mistral-7B's v_proj 4096 x 1024: rank 8 on q and v is
    # 3,407,872 there and 4,194,304 on Llama-2-7B
    params = _params("At rank 8 on q_proj and v_proj, Mistral-7B trains 3,407,872 parameters, "
                     "the same as on Llama-2-7B.")
    assert params["same_as"] == "llama-7b"
    out = VERIFIER.run(params)
    assert out["verdict"] == "refuted" and "not the same on llama-7b" in out["explanation"]
    # Llama-2-13B and LLaMA-13B share their shapes: the stated count decides
    params = _params("At rank 8 on q_proj and v_proj, Llama-2-13B trains 6,553,600 parameters, "
                     "the same as LLaMA-13B.")
    assert VERIFIER.run(params)["verdict"] == "supported"


@pytest.mark.parametrize(("count", "verdict"), [("1,126,400", "supported"),
                                                ("2,252,800", "refuted")])
def test_tinyllama_is_counted_with_its_grouped_query_shapes(count, verdict):
    """TinyLlama-1.1B: 22 layers, q 2048x2048, v 2048->256 (4 key-value heads): r=8 on q and
    v trains 22 x 8 x (4096 + 2304) = 1,126,400."""
    frame, got, why = _count_verdict(f"LoRA at r=8 on q_proj and v_proj of TinyLlama-1.1B "
                                     f"trains {count} parameters.")
    assert frame.params["model"] == "tinyllama-1.1b" and got == verdict, why


def test_the_13b_is_the_model_named_before_held_to_its_shape():
    """'the 13B' takes up a model named before: a count that fits Llama-13B's shape holds with
    no condition; one that fits no 13B shape is still refuted (a bare '13B model' stays
    conditional on the shape)."""
    frame, got, why = _count_verdict("For the 13B, all seven projection modules at r=16 give "
                                     "62,586,880 trainable parameters.")
    assert got == "supported" and not frame.condition, (why, frame.condition)
    frame, _, _ = _count_verdict("For a 13B model, all seven projection modules at r=16 give "
                                 "62,586,880 trainable parameters.")
    assert "shaped as llama-13b" in frame.condition, frame.condition
    _, got, why = _count_verdict("For the 13B, all seven projection modules at r=16 give "
                                 "31,293,440 trainable parameters.")
    assert got == "refuted", why
