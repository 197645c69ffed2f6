"""lora.bnb_defaults: bitsandbytes' 4-bit defaults measured with real bitsandbytes and
transformers on the CPU (no mocks): type, block sizes, double quantization, compute dtype."""

import pytest
from paired import pairing

from verifiers._env import has_package
from verifiers.bnb_defaults import VERIFIER, functional, measure, module

pytestmark = pytest.mark.skipif(not has_package("bitsandbytes"),
                                reason="bitsandbytes not installed")
needs_transformers = pytest.mark.skipif(not has_package("transformers"),
                                        reason="transformers not installed")


def _frames(sentence: str, subject: str = "lora"):
    return [f for f in pairing(sentence, subject).frames if f.verifier == VERIFIER.id]


def _verdict(sentence: str) -> str:
    """The verdict of the sentence's bnb_defaults frame, turned round when it is denied (as
    the pipeline does)."""
    (frame,) = _frames(sentence)
    got = VERIFIER.run(VERIFIER.resolve_params(frame.params))["verdict"]
    swap = {"supported": "refuted", "refuted": "supported"}
    return got if frame.polarity else swap.get(got, got)


def test_quantize_4bit_with_no_type_stores_fp4_codes():
    m = functional()
    assert m["type"]["equals"] == "fp4" and m["type"]["label"] == "fp4"
    assert m["type"]["bytes_differing"]["fp4"] == 0.0
    assert m["type"]["bytes_differing"]["nf4"] > 0.5  # a different code, not a relabelling


def test_first_level_blocks_hold_64_weights_each_with_its_own_absmax():
    m = functional()
    assert m["layout"]["weights_per_absmax"] == 64 and not m["layout"]["nested"]
    assert m["absmax_is_block_max"]
    dq = m["layout_double_quant"]
    assert dq["weights_per_absmax"] == 64
    assert dq["level2_blocksize"] == 256 and dq["constants_per_level2_absmax"] == 256


def test_a_bare_linear4bit_double_quantizes_and_computes_in_its_input_dtype():
    m = module()
    assert m["type"]["equals"] == "fp4"
    assert m["double_quant_default"] is True  # compress_statistics=True in Linear4bit
    assert m["computes_in"] == {"bfloat16": ["bfloat16"], "float32": ["float32"]}


@needs_transformers
def test_bitsandbytesconfig_defaults_read_back_and_on_a_loaded_model():
    t = measure()["transformers"]
    assert t["config"] == {"bnb_4bit_quant_type": "fp4", "bnb_4bit_use_double_quant": False,
                           "bnb_4bit_compute_dtype": "float32"}
    assert t["layer"] == "Linear4bit" and t["type"]["equals"] == "fp4"
    assert t["layout"]["weights_per_absmax"] == 64 and not t["double_quant_default"]
    assert t["layout_double_quant"]["constants_per_level2_absmax"] == 256
    # a bf16 model loaded with the default config still multiplies in float32
    assert t["computes_in"] == {"bfloat16": ["float32"]}


@needs_transformers
@pytest.mark.parametrize(("sentence", "verdict"), [
    ("Leave out bnb_4bit_quant_type and transformers falls back to FP4.", "supported"),
    ("The default 4-bit data type of bitsandbytes is NF4.", "refuted"),
    ("bitsandbytes stores one absmax for every 64 weights.", "supported"),
    ("QLoRA splits each weight tensor into blocks of 32 weights.", "refuted"),
    ("bnb_4bit_use_double_quant defaults to True.", "refuted"),
    ("In BitsAndBytesConfig, double quantization is off by default.", "supported"),
    ("Double quantization is used by default.", "conditional"),
    ("By default, a model loaded with load_in_4bit=True computes in float32.", "supported"),
    ("The default compute dtype is bf16 for BitsAndBytesConfig.", "refuted"),
    # the setting with "already" before its verb
    ("For BitsAndBytesConfig the default bnb_4bit_quant_type already is nf4.", "refuted"),
    # the library's defaults as a whole, then what they are
    ("bitsandbytes' default 4-bit settings, i.e. NF4, are what BitsAndBytesConfig gives you.",
     "refuted"),
    # the compute dtype left alone, or kept where the library puts it
    ("If you leave `bnb_4bit_compute_dtype` alone it already computes in bfloat16.", "refuted"),
    ("Careful with the compute dtype: BitsAndBytesConfig leaves it at float32.", "supported"),
    # (bitsandbytes' own Linear4bit follows its input: only the config's default is float32)
    ("The compute dtype of default in bitsandbytes is float32.", "conditional"),
    # a denial of what was set does not reach the reason given for it
    ("We passed nothing to BitsAndBytesConfig but load_in_4bit=True, since NF4 and double "
     "quant are the defaults anyway.", "refuted"),
    # the default named with no word for the type
    ("There is no need to pass a quant type: the default of BitsAndBytesConfig is already "
     "'nf4'.", "refuted"),
])
def test_sentences_are_judged_from_the_measurement(sentence, verdict):
    assert _verdict(sentence) == verdict


def test_which_door_a_sentence_names_is_read():
    (frame,) = _frames("Linear4bit quantizes with compress_statistics on by default.")
    assert frame.params["api"] == "module"
    (frame,) = _frames("quantize_4bit stores FP4 as the default type.")
    assert frame.params["api"] == "functional"


def test_qlora_recipe_is_not_read_as_a_library_default():
    """QLoRA's script sets nf4 itself: 'QLoRA uses NF4 by default' stays a storage claim."""
    p = pairing("QLoRA uses NF4 by default.")
    assert not any(f.verifier == VERIFIER.id for f in p.frames)
    assert p.verifier == "lora.qlora_storage"


def test_a_block_size_beside_double_quantization_with_no_noun_is_not_guessed():
    p = pairing("Double quantization works with blocks of 256.")
    assert not any(f.verifier == VERIFIER.id for f in p.frames)
    assert "which level is not stated" in " ".join(f.reason for f in p.frames)


def test_storage_sentences_still_pair_with_qlora_storage():
    for sentence in ("QLoRA stores weights in 4-bit NF4.",
                     "With double quantization NF4 costs about 4.127 bits per parameter."):
        p = pairing(sentence)
        assert p.verifier == "lora.qlora_storage", (sentence, p.reason)
        assert not _frames(sentence)


def test_the_weights_own_block_beside_the_second_level_is_not_the_second_levels():
    (frame,) = _frames("Double quantization keeps the absmax constants (one per 64 weights) as "
                       "8-bit values in second-level blocks of 256.")
    assert frame.params["level"] == 2 and frame.params["blocksize"] == 256
