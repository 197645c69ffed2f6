"""Family 2: the LoRA update dW = s * B A — its shape, its rank, its scale, and zero-init.

Each claim kind is measured on the reference layer (`_lora.py`, written from the paper, and a
literal column-vector form ``W @ x + s * (B @ (A @ x))`` as article pseudo-code writes it) and on
PEFT's `lora.Linear` inside a tiny Llama whose k/v projections are not square (grouped-query
attention), so d != k is exercised. Article code is never executed: the verifier implements
what such code says, with the parameters the claim states.
"""

from __future__ import annotations

from typing import Any

from verifiers._base import Param, Requires, Shape, Verifier, result
from verifiers._tiny import PEFT_MISSING, peft_available

CLAIMS = ("init_equals_base", "init_changes_output", "delta_shape", "rank_at_most_r",
          "full_rank", "scaling")
FORMS = ("alpha/r", "alpha/sqrt(r)")


def run(params: dict[str, Any]) -> dict[str, Any]:
    """Measure the claimed property of B A on the reference layer and on PEFT."""
    from verifiers import _ba_measure as m

    claim = params["claim"]
    ref = m.reference(params)
    peft = m.peft_half(params) if peft_available() else {"skipped": PEFT_MISSING}
    measured = {"reference": ref, "peft": peft}
    if claim == "scaling":
        measured["note"] = "PEFT exposes its scale as layer.scaling; both are also measured " \
                           "from outputs: (y - W0 x) / (B A x)"
    else:
        measured["note"] = "reference A is Gaussian (std a_std), PEFT's A is kaiming-uniform; " \
                           "B is zero unless b_init is random"
    expected = {k: params[k] for k in ("claim", "d", "k", "r", "alpha", "rslora", "b_init",
                                       "order", "scaling_form") if params.get(k) not in (None, "")}
    return _judge(params, ref, peft, measured, expected)


def _judge(p: dict[str, Any], ref: dict, peft: dict, measured: dict, expected: dict) -> dict:
    claim, halves = p["claim"], [h for h in (ref, peft) if "skipped" not in h]
    if claim in ("init_equals_base", "init_changes_output"):
        equal = [h["bit_identical"] for h in halves]
        text = (f"with B {'zero' if p['b_init'] == 'zeros' else 'random'} the adapted output "
                f"{'equals' if ref['bit_identical'] else 'differs from'} the base output at init "
                f"(reference max |diff| {ref['max_abs_diff']:.3g} at d={ref['d']}, k={ref['k']}, "
                f"r={p['r']}" + (f"; PEFT max |diff| {peft['max_abs_diff']:.3g}" if
                                 "skipped" not in peft else "") + ")")
        holds = [e if claim == "init_equals_base" else not e for e in equal]
    elif claim == "delta_shape":
        holds = [h["delta_shape"] == h["weight_shape"] for h in halves]
        text = (f"B {ref['B_shape']} times A {ref['A_shape']} gives {ref['delta_shape']}, the "
                f"shape of W {ref['weight_shape']}")
        if p["order"] == "AB":
            return result("conditional", f"As written (A then B) the product {ref['AB_result']}; "
                          f"{text}: the claim holds only with the factors named the other way "
                          f"round (paper: dW = B A, B is d x r, A is r x k).", measured, expected)
    elif claim in ("rank_at_most_r", "full_rank"):
        full = min(p["d"], p["k"])
        holds = [h["rank"] <= p["r"] if claim == "rank_at_most_r" else h["rank"] == h["min_dk"]
                 for h in halves]
        text = (f"measured rank of B A is {ref['rank']} (r={p['r']}, min(d, k)={full}, "
                f"{ref['rank_method']})")
        if "skipped" not in peft:
            text += f"; PEFT's delta weight rank {peft['rank']} at r={peft['r_used']}"
    else:
        true_form = "alpha/sqrt(r)" if p["rslora"] else "alpha/r"
        stated = p["scaling_form"] or true_form
        text = (f"measured scale {ref['effective_scaling']:.6g} = {true_form} for alpha="
                f"{p['alpha']:g}, r={p['r']}" + ("" if "skipped" in peft else
                                                 f"; PEFT scale {peft['effective_scaling']:.6g}"))
        holds = [abs(h["effective_scaling"] - h[f"formula {stated}"]) <= 1e-5 * max(
            1.0, abs(h[f"formula {stated}"])) for h in halves]
        if not all(holds) and not p["rslora"] and stated == "alpha/sqrt(r)":
            return result("conditional", f"alpha/sqrt(r) is rsLoRA's scale (use_rslora=True); "
                          f"{text}.", measured, expected)
    if len(set(holds)) > 1:
        return result("conditional", f"Reference and PEFT disagree: {text}.", measured, expected)
    verdict = "supported" if all(holds) else "refuted"
    return result(verdict, f"{text[0].upper()}{text[1:]}.", measured, expected)


_DK = (r"\bd\s*=\s*k\s*=\s*(?P<d>\d[\d,]*)", r"\bd\s*=\s*k\s*=\s*(?P<k>\d[\d,]*)",
       r"\bd\s*=\s*(?P<d>\d[\d,]*)", r"\bk\s*=\s*(?P<k>\d[\d,]*)",
       r"(?P<d>\d[\d,]*)\s*x\s*(?P<k>\d[\d,]*)\s*(?:weight|matri)",
       r"\b(?:rank|r)\s*(?:=|of)\s*(?P<r>\d+)", r"alpha\s*=\s*(?P<alpha>\d+(?:\.\d+)?)")
_INIT = (r"initiali[sz]|\binit\b|\binitial(?:ly)?\b|at the start|before (?:any )?training|"
         r"zero-?init|\bB\s*=\s*0\b|B\s+(?:is|are|starts?)\s+(?:initiali[sz]ed\s+|out\s+)?"
         r"(?:to\s+|with\s+|at\s+|as\s+)?zeros?|zeros\(")
_B_RANDOM = (r"\bB\s+(?:is\s+|are\s+)?(?:initiali[sz]ed\s+)?(?:randomly|at random|with random)|"
             r"random\w*\s+(?:initiali[sz]ed\s+)?B\b")
_ADAPTED = r"lora|adapt|low-rank|forward|output|layer|model|training|\bB\s*A\s*=\s*0"
_NEG = r"\bnot\b|n't\b|\bnever\b|\bno longer\b"
_RS = r"rs-?lora|rank-?stabili[sz]ed"
_SQRT = (r"alpha\s*/\s*(?:sqrt\s*\(?\s*r|√\s*r|r\s*\^\s*\(?\s*(?:0?\.5|1\s*/\s*2))"
         r"|alpha\s+(?:divided\s+by|over)\s+(?:the\s+)?(?:square\s+root\s+of|sqrt)\s*\(?\s*r\b")
_OVER_R = (r"alpha\s*/\s*r\b(?!\s*\^)|frac\s*\{\s*\\?alpha\s*\}\s*\{\s*r\s*\}"
           r"|alpha\s+(?:divided\s+by|over)\s+r\b(?!\s*\^)")
_BA = r"\bB\s*\*?\s*A\b|\bBA\b|B\s*\(\s*A\s*x\s*\)|B\s*@\s*\(?\s*A"
_AB = r"\bA\s*(?:x|\*)\s*B\b|\bAB\b(?!\w)"
_X = r"\s*(?:x|\\times|\*)\s*"
# The filler may not cross into the other factor's description ("A is d x r and B is r x k").
_IN = r"\s*(?:\\in|∈|:|is|has shape|of shape)\s*(?:(?!\b[AB]\b)[^.;]){0,40}?"
_PAPER_FACTORS = (rf"\bA\b{_IN}\br{_X}k\b", rf"\bB\b{_IN}\bd{_X}r\b")
_SWAPPED_FACTORS = (rf"\bA\b{_IN}\bd{_X}r\b", rf"\bB\b{_IN}\br{_X}k\b")
_DELTA = r"Δ\s*W|delta\s*W|\bW'|W_?0\s*\+|W\s*\+|\bupdate\b|\bproduct\b"

VERIFIER = Verifier(
    id="lora.ba_update",
    version=1,
    title="The LoRA update B A: shape d x k, rank <= r, scale alpha/r, zero at initialisation",
    run=run,
    params=(
        Param("claim", str, default="init_equals_base", choices=CLAIMS,
              help="which property of the update the claim states"),
        Param("d", int, default=512, min=1, max=65536, help="output features of W"),
        Param("k", int, default=512, min=1, max=65536, help="input features of W"),
        Param("r", int, default=8, min=1, max=1024, help="LoRA rank"),
        Param("alpha", float, default=16.0, min=1e-3, max=4096.0, help="LoRA alpha"),
        Param("rslora", bool, default=False, help="rsLoRA: scale alpha/sqrt(r)"),
        Param("b_init", str, default="zeros", choices=("zeros", "random"),
              help="how the claim initialises B"),
        Param("a_std", float, default=1.0, min=1e-6, max=10.0,
              help="std of the reference A (torch.randn in the usual pseudo-code: 1)"),
        Param("order", str, default="BA", choices=("BA", "AB"), help="factor order as written"),
        Param("scaling_form", str, default="", choices=("", *FORMS), help="stated scale"),
        Param("seed", int, default=0, min=0, max=2**31 - 1),
    ),
    shapes=(
        Shape("zero init equals base", all_of=(_INIT, _ADAPTED),
              any_of=(r"equals?|equal to|same (?:\w+ ){0,2}as|identical|matches|reproduces|no-?op|"
                      r"behaves? (?:exactly |just )?(?:like|as)|indistinguishable from|"
                      r"starts? (?:out )?(?:exactly )?(?:from|at) (?:the )?(?:pre-?trained|base|"
                      r"original)|"
                      r"does not change|doesn't change|unchanged|starts? (?:out )?as|no effect|"
                      r"contributes? nothing|adds? nothing to the output",
                      r"\bB\s*A\s*=\s*0|delta\s*W\s*=\s*0|Δ\s*W\s*=\s*0"),
              none_of=(r"\bnot (?:equal|the same|identical)|differs?|(?<!not )(?<!n't )changes? "
                       r"the output", _B_RANDOM, r"dora|magnitude"),
              extract=_DK, fixed={"claim": "init_equals_base"}, weight=1.2,
              description="with B = 0 the adapted model's output equals the base's at init"),
        Shape("init changes output", all_of=(_INIT, _ADAPTED),
              any_of=(r"(?<!not )(?<!n't )(?:changes?|alters?|perturbs?|shifts?|modif\w+)\s+"
                      r"(?:[\w']+\s+){0,3}(?:output|prediction|behaviou?r)",
                      r"(?:differs?|different)\s+from\s+(?:[\w']+\s+){0,2}base",
                      r"(?:does not|doesn't|not)\s+(?:equal|match|reproduce)"),
              none_of=(r"dora|magnitude",), extract=_DK,
              fixed={"claim": "init_changes_output"}, weight=1.2,
              description="the adapter already changes the output at initialisation"),
        Shape("B random init", all_of=(_INIT, _B_RANDOM),
              any_of=(r"equals?|same as|identical|matches",), none_of=(_NEG,), extract=_DK,
              fixed={"claim": "init_equals_base", "b_init": "random"}, weight=1.3),
        Shape("delta is B A, shape d x k", all_of=(_DELTA, _BA),
              none_of=(r"merg|latency|dora|magnitude", r"lower rank|low-?rank|rank\s*(?:<=|at "
                                                          r"most)|full[- ]rank"),
              extract=_DK, fixed={"claim": "delta_shape", "order": "BA"}, weight=1.0),
        Shape("update keeps the shape of W", all_of=(_DELTA, r"\bshape of W\b|\bW's shape\b|"
                                                       r"same (?:shape|size|dimensions?) as W\b"),
              any_of=(r"lora|low-rank|adapter",), none_of=(_AB, r"merg|latency|dora|magnitude"),
              extract=_DK, fixed={"claim": "delta_shape", "order": "BA"}, weight=0.9),
        Shape("factor shapes as in the paper", any_of=_PAPER_FACTORS, none_of=_SWAPPED_FACTORS,
              extract=_DK, fixed={"claim": "delta_shape", "order": "BA"}, weight=0.9),
        Shape("factor shapes swapped", any_of=_SWAPPED_FACTORS, none_of=_PAPER_FACTORS,
              extract=_DK, fixed={"claim": "delta_shape", "order": "AB"}, weight=0.9),
        Shape("delta is A x B", all_of=(_DELTA, _AB), none_of=(_BA, r"merg|latency|dora"),
              extract=_DK, fixed={"claim": "delta_shape", "order": "AB"}, weight=1.0),
        Shape("rank at most r", all_of=(r"\brank\b",),
              any_of=(r"(?:at most|<=|no (?:more|greater|higher) than|bounded by|limited to|"
                      r"(?:cannot|can't|can never|never|will never|does not|doesn't|do not)\s+"
                      r"exceeds?)\s*(?:the\s+)?(?:rank\s+)?r\b",
                      r"(?:much\s+)?lower rank than", r"\brank\s*(?:of\s*)?r\b|\brank-?r\b",
                      r"rank\s*\(\s*(?:B\s*A|Δ\s*W|delta\s*W)\s*\)\s*<="),
              none_of=(r"full[- ]rank(?! fine)", r"\b(?:is|are)\s*(?:not|n't)\s+(?:bounded|"
                       r"limited|at most|lower)|\bnot (?:bounded|limited|at most)|\bcan exceed|"
                       r"(?<!never )(?<!not )(?<!cannot )(?<!can't )(?<!n't )\bexceeds? r\b",
                       r"dora|magnitude|quantiz"),
              extract=_DK, fixed={"claim": "rank_at_most_r"}, weight=1.2),
        # The method's definition ("injects trainable rank decomposition matrices"): what
        # it asserts that can be measured is that the update is low-rank, i.e. rank <= r.
        Shape("trains low-rank update matrices",
              all_of=(r"low[- ]rank (?:decomposition |update |adaptation )?matri|"
                      r"rank[- ]decomposition matri",
                      r"\b(?:inject|insert|add|train|learn|introduc)\w*"),
              none_of=(_NEG, r"full[- ]rank", r"dora|magnitude|quantiz"),
              fixed={"claim": "rank_at_most_r"}, weight=0.6),
        Shape("update is full rank", all_of=(r"full[- ]rank", r"Δ|delta|update|\bB\s*A\b|BA"),
              any_of=(r"lora|adapter|low-rank", r"\bB\s*A\b|\bBA\b"),
              none_of=(_NEG, r"instead|rather than|unlike|"
                                                                 r"full[- ]rank fine"),
              extract=_DK, fixed={"claim": "full_rank"}, weight=1.2),
        Shape("scale alpha/r", all_of=(_OVER_R,), none_of=(_RS, _SQRT), extract=_DK,
              fixed={"claim": "scaling", "scaling_form": "alpha/r", "rslora": False},
              weight=1.1),
        Shape("scale alpha/sqrt(r)", all_of=(_SQRT,), none_of=(_RS,), extract=_DK,
              fixed={"claim": "scaling", "scaling_form": "alpha/sqrt(r)", "rslora": False},
              weight=1.1),
        Shape("rsLoRA scale alpha/sqrt(r)", all_of=(_RS, _SQRT), extract=_DK,
              fixed={"claim": "scaling", "scaling_form": "alpha/sqrt(r)", "rslora": True},
              weight=1.2),
        Shape("rsLoRA scale alpha/r", all_of=(_RS, _OVER_R), none_of=(_SQRT, r"instead of|"
                                                                            r"rather than"),
              extract=_DK, fixed={"claim": "scaling", "scaling_form": "alpha/r", "rslora": True},
              weight=1.2),
    ),
    requires=Requires(device="cpu", packages=("torch",)),
    timeout_s=120.0,
)
