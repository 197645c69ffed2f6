"""Claims: every atomic fact, every checkable body sentence, and LoRA-layer pseudo-code.

A body sentence is a claim when it asserts something a measurement could settle: a number with
a unit or a ratio, a comparison, or a verb of effect ("enables", "reduces", "can be merged",
"no ... latency"). Time-sensitive figures (citations, stars) are claims too, so that the report
can say why nothing checks them. Questions, headings, link lists and dates are not claims.
Code is read, never run: a code block that defines a LoRA layer becomes one `code` claim that
states what the code does.
"""

from __future__ import annotations

import re

from kbcheck.claims.normalise import ANSWER_LABEL, QUESTION_SETTING, normalise
from kbcheck.claims.recognise import (
    find_methods,
    find_model,
    model_size_spans,
    read_conditions,
    recognise,
)
from kbcheck.claims.rows import recognise_row, row_context
from kbcheck.markup import Block, body_blocks, sentences
from kbcheck.models import Article, Claim

__all__ = ["describe_lora_code", "extract_claims", "is_checkable", "normalise"]

_UNIT = (r"%|percent\b|x\b|times\b|fold\b|[kKmMgGtT]i?B\b|bytes?\b|[BMK]\b|billion\b|million\b"
         r"|thousand\b|params?\b|parameters?\b|ms\b|milliseconds?\b|s\b|sec\b|seconds?\b"
         r"|-?bits?\b|GPUs?\b|layers?\b|tokens?\b|steps?\b|epochs?\b|hours?\b|minutes?\b"
         r"|citations?\b|stars?\b|downloads?\b|GB/s\b|FLOPs?\b")
_CUES = [
    rf"\d(?:[\d,.]*\d)?\+?\s*(?:{_UNIT})",           # a number with a unit
    r"\b\d+(?:\.\d+)?\s*:\s*\d+\b(?!:)",             # a ratio 1:4 (not a time 00:00)
    r"\b[a-z]\w{0,6}\s*=\s*\d",                      # a stated value: r=16, d=k=4096
    r"\b(?:rank|r)\s+(?:of\s+)?\d+\b",
    r"\b(?:more|less|fewer|faster|slower|smaller|larger|lower|higher|cheaper|better|worse)\b"
    r".{0,60}\bthan\b",
    r"\b(?:compared (?:with|to)|versus|vs\.?|outperforms?|matches|equivalent to|same as"
    r"|identical to|up to|at least|at most|as much as|as little as)\b",
    r"\b(?:enabl|allow|reduc|cut|sav|eliminat|increas|improv|speed|accelerat|shrink|lower"
    r"|decompos|approximat|preserv|maintain|requir|fits?\b|fitting)\w*",
    r"\bno (?:\w+ ){0,2}(?:latency|overhead|slowdown|cost|memory)\b",
    r"\b(?:can|could|may) be (?:merged|folded|fused|swapped|hot-swapped|saved|stored|combined)\b",
    r"\b(?:merged|hot-swap\w*|swapp\w+)\b",
    r"\b(?:freez\w*|frozen|zero[- ]init\w*|initiali[sz]ed (?:to|with|as) zeros?|trainable)\b",
    r"\b(?:starts?|begins?|is set|are set) (?:out )?(?:at|to|with|as|from) zeros?\b",
    r"\bbehaves? (?:exactly |just )?(?:like|as)\b",
    # what a verifier measures, named without a number: latency, gradients, outputs, ranks,
    # learning rates, codes, copies, switching
    r"\b(?:latency|slows? down|gradients?|full[- ]rank|rank at most|learning[- ]rates?)\b",
    r"\b(?:low[- ]rank|rank[- ]decomposition) (?:[\w-]+ )?matri",
    r"\b(?:updates?|modif(?:y|ies)|changes?|alters?)\b.{0,30}\b(?:weights?|outputs?|predictions?)\b",
    r"\b(?:equals?|identical|reproduces?|untouched|unchanged|intact|symmetric|splits?)\b",
    r"\bsame (?:[\w-]+ ){0,4}as\b|\bas (?:fast|slow) as\b|\balpha\s*(?:/|divided by|over)",
    r"\b\d+ (?:[\w-]+ )?(?:levels|values|codes|bins)\b",
    r"\b(?:copy|copies) of\b|\bswitch\w*|\b(?:magnitude|direction)\b|\b(?:with|to|at) zeros?\b",
    r"\b(?:slower|faster|merg\w*|contribut\w* nothing|shape of W)\b",
    r"\b(?:half|a third|a quarter|twice|double|triple|an order of magnitude)\b",
    r"\b(?:more|less)\s+(?:[\w-]+\s+){0,2}(?:efficient|expensive|memory|compute|accurate)\b",
    r"\b(?:as of|citations?|github stars?|downloads)\b",
]
_CUE = re.compile("|".join(f"(?:{c})" for c in _CUES), re.I)
_NOT_A_CLAIM = [
    re.compile(r"\?\s*$"),                                     # a question
    re.compile(r"^[^a-z]*$"),                                  # no words: a formula or a date
    re.compile(r"^(?:last (?:updated|verified)|updated|created|see also)\b", re.I),
]


def is_checkable(sentence: str) -> bool:
    """Whether a body sentence asserts something a measurement (or a reason) can settle: it
    has a cue of a claim, or the frame layer reads a predicate in it."""
    text = normalise(sentence)
    if len(text.split()) < 3 or any(p.search(text) for p in _NOT_A_CLAIM):
        return False
    return bool(_CUE.search(text)) or bool(recognise(sentence).frames)


def _row_is_checkable(row: Block, section: str | None) -> bool:
    """Whether a table row states something once its cells are read with its caption or
    heading ("| 13B | 16 GB | yes |" under "Does QLoRA fit?")."""
    context = row_context(row.caption, section)
    return bool(recognise_row(row.cells, context).frames)


# --- code ------------------------------------------------------------------------------------

_INIT = (r"(zeros_like|zeros|ones|randn|rand|normal|kaiming_uniform|kaiming_normal|xavier_\w+?"
         r"|uniform|empty)")


def _init_of(code: str, name: str) -> str | None:
    """How a matrix called `name` (A, B, lora_A ...) is initialised in the code, if stated."""
    explicit = re.search(rf"\b{_INIT}_?\s*\(\s*(?:self\.)?{name}\b", code)  # init.zeros_(B)
    if explicit:
        return explicit.group(1)
    m = re.search(rf"\b(?:self\.)?{name}\s*=.*?\b{_INIT}_?\s*\(", code)
    if m:
        return m.group(1)
    if re.search(rf"\b(?:self\.)?{name}\s*=\s*(?:nn\.)?Linear\s*\(", code):
        return "nn.Linear default"
    return None


def describe_lora_code(code: str) -> str | None:
    """A claim sentence for code that defines a LoRA layer (two matrices, a low-rank product in
    the forward pass), or None. The code is only read."""
    names = None
    for a, b in (("A", "B"), ("lora_A", "lora_B"), ("lora_a", "lora_b"), ("down", "up")):
        if re.search(rf"\b{a}\b", code) and re.search(rf"\b{b}\b", code):
            names = (a, b)
            break
    if names is None or not re.search(r"\bdef\s+forward\b|\bforward\b|@|matmul", code):
        return None
    a, b = names
    product = re.search(rf"(?:self\.)?{b}\s*(?:@|\.matmul\(|\*)\s*\(?\s*(?:self\.)?{a}\b", code)
    call = re.search(rf"\b{b}\s*\(\s*(?:self\.)?{a}\s*\(", code)  # B(A(x)): nn.Linear style
    if not (product or call):
        return None
    # In words the claim shapes read: "B is initialised to zeros", "... with random values".
    parts = [f"{role} {_init_words(_init_of(code, name))}" + (f" ({name})" if name != role else "")
             for role, name in (("A", a), ("B", b))]
    scaling = re.search(r"scal\w*\s*=\s*([^\n#]+)", code)
    if scaling:
        parts.append("scaling = " + " ".join(scaling.group(1).split()))
    forward = code[code.find("forward"):] if "forward" in code else code
    ret = re.search(r"return\s+([^\n#]+)", forward)
    if ret:
        parts.append("forward = " + " ".join(ret.group(1).split()))
    return ("Pseudo-code LoRA layer: " + "; ".join(parts) + ". At initialisation its forward "
            "pass equals the base model's.")


def _init_words(init: str | None) -> str:
    """An initialisation read from code, said in words."""
    if init is None:
        return "has no stated initialisation"
    if init.startswith("zeros"):
        return f"is initialised to zeros ({init})"
    if init == "ones":
        return "is initialised to ones (ones)"
    if init == "empty":
        return "is left uninitialised (empty)"
    return f"is initialised with random values ({init})"


# --- extraction ------------------------------------------------------------------------------

def named_model(text: str) -> str:
    """The one model a text names, with its size where it has one ("Qwen2.5-7B"), as written;
    "" when it names none, only a bare size, a model of no known family, or several models."""
    from verifiers._presets import resolve

    found = find_model(text)
    family = found.get("family", "")
    if not found or family in ("", "other") or len(set(model_size_spans(text))) > 1:
        return ""
    if resolve(found) is None:
        return ""  # "Mistral": a family of several sizes; a model no preset has
    start, end = found["span"]
    return text[start:end]


# A term standing alone before its definition: "Double quantization.", "NF4 (4-bit
# NormalFloat).", "Adapter (Houlsby).", "Rank (r)." — at most four words and a parenthesis, no
# verb.
_TERM = re.compile(r"[A-Z][\w+-]*(?: [\w+-]+){0,3}(?: \([^()]{1,40}\))?\.")
_VERB = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|do|does|did|can|will|would|"
                   r"should|may|might|must|see|yes|no|not|note|i|we|you|it|they|this|these|that|there)\b"
                   r"|n't\b", re.I)


# A setting's name opening a list item or a reference entry ("bnb_4bit_quant_type (str) - fp4 or
# nf4."), and a sentence after it that gives its default with no name ("The default is nf4.")
_SETTING_NAME = re.compile(r"[`*\s]{0,4}(?P<name>[A-Za-z]\w*_\w+)\b")
_DEFAULT_OPENER = re.compile(r"\s*(?:the\s+)?default(?:\s+value)?\s+(?:is|=|:)|\s*defaults?\s+"
                             r"(?:to\b|:)|\s*by default\b|"
                             # a reference entry's bare "Default 8." / 'Default "none".'
                             r"\s*default(?:\s+value)?\s*(?=[\"'`]?[\w.-]{1,24}[\"'`]?\s*\.?\s*$)",
                             re.I)


# what a setting does when it is not set: "When left as None, ...", "If omitted, ..."
_UNSET_OPENER = re.compile(r"\s*(?:when|if)\s+(?:it\s+is\s+|it's\s+)?(?:left\s+(?:as|at|to|unset|"
                           r"empty|out)|unset|omitted|not\s+(?:set|given|passed)|set\s+to\s+None|"
                           r"None)\b", re.I)


def with_terms(split: list[tuple[str, int]], heading: str = "") -> list[tuple[str, int]]:
    """A paragraph's sentences, a term that opens it ("Double quantization. Quantizing the
    constants ...") read with the definition after it, which is about it; and a setting's name
    read with the sentence after it that gives its default ("The default is nf4."), or, under a
    heading that is a setting's name, with each sentence that gives what it does unset
    ("When left as None, PEFT adapts q_proj and v_proj.")."""
    named = _SETTING_NAME.fullmatch(heading.strip().strip("`*").strip()) if heading else None
    if named:
        split = [(f"{named.group('name')}: {text.strip()}", line)
                 if _DEFAULT_OPENER.match(text) or _UNSET_OPENER.match(text) else (text, line)
                 for text, line in split]
    name = _SETTING_NAME.match(split[0][0]) if len(split) > 1 else None
    if name and any(_DEFAULT_OPENER.match(text) for text, _ in split[1:]):
        # "bnb_4bit_quant_type: The default is nf4.", "lora_alpha: Scaling numerator; ...
        # Default 16.": the entry's sentence that gives the default is the setting's
        return [split[0], *((f"{name.group('name')}: {text.strip()}", line)
                            if _DEFAULT_OPENER.match(text) else (text, line)
                            for text, line in split[1:])]
    term = split[0][0] if split else ""
    words = re.sub(r"\s*\([^()]*\)", "", term).rstrip(".").split()  # less its expansion
    # a word ending in -s before the last is a verb ("QLoRA saves memory.")
    if len(split) > 1 and _TERM.fullmatch(term) and not _VERB.search(term) \
            and not any(w.endswith("s") for w in words[1:-1]):
        # "FP4. The other 4-bit type. It is what bitsandbytes uses unless ...": the entry's
        # later sentences that open with "It" are about the term too
        name = " ".join(words)
        rest = [(_IT.sub(lambda m: name + ("'s" if m.group(1) else ""), text, count=1), line)
                for text, line in split[2:]]
        return [(f"{split[0][0]} {split[1][0]}", split[0][1]), *rest]
    return split


_IT = re.compile(r"^\s*It(s)?(?=\s)")


# A yes/no question ("Q: Does DoRA add latency once merged?") and a sentence that opens with its
# answer ("A: No.", "Yes, as long as ..."): read together, the answer asserts or denies it.
_YES_NO_QUESTION = re.compile(rf"\s*(?:Q\s*\d{{0,3}}\s*[:.]\s*)?(?:{QUESTION_SETTING})?"
                              r"(?:does|do|did|is|are|was|were|can|could|"
                              r"will|would|should|has|have|must)\s[^?]{3,240}\?\s*", re.I)
_ANSWER = re.compile(rf"\s*(?:{ANSWER_LABEL})?(?:yes|yep|yeah|correct|true|absolutely|"
                     r"no|nope|none|never|not at all|not really|false|nothing)\b", re.I)


# A question and its answer labelled as such (a flash card, an FAQ): "Q: ...?" then "A: ..."
_LABELLED_Q = re.compile(r"\s*Q\s*[:.]\s*(?P<q>[^?]{3,240})\?\s*")
_LABELLED_A = re.compile(r"\s*A\s*[:.]\s*")


def with_answers(split: list[tuple[str, int]], question: str = "") -> list[tuple[str, int]]:
    """A paragraph's sentences, each answer read with its yes/no question: the question asked
    just before the paragraph (`question`, from a heading or the paragraph before) or the
    sentence before it."""
    out: list[tuple[str, int]] = []
    for text, line in split:
        before = out[-1][0] if out else question
        asked, said = _LABELLED_Q.fullmatch(before or ""), _LABELLED_A.match(text)
        if out and asked and said and not _ANSWER.match(text[said.end():]):
            # "Q: default bnb_4bit_quant_type? A: nf4": the answer fills the question's blank
            out[-1] = (f"{asked.group('q').strip()}: {text[said.end():].strip()}", out[-1][1])
            continue
        if _ANSWER.match(text) and _YES_NO_QUESTION.fullmatch(before or ""):
            if out:
                out[-1] = (f"{before} {text}", out[-1][1])
                continue
            text = f"{before} {text}"
        out.append((text, line))
    return out


# A sentence that opens by pointing back to the one before it: "That saves 0.37 bits", "This
# cuts ...", "Doing so ...", "Together they ...". What it says may be read with that sentence.
_ANAPHOR = re.compile(r"\W{0,3}(?:this|that|it|these|those|doing so|together(?:,)? (?:they|these)|"
                      r"combined(?:,)? (?:they|these)|which|in total(?:,)? (?:this|that|it))\b",
                      re.I)


def lead_of(text: str, before: str) -> str:
    """The sentence a sentence points back to, when it opens with a word that does ("That
    saves ..."); "" otherwise."""
    return before if before and _ANAPHOR.match(text) else ""


def _heading_method(heading: str) -> str:
    """The one method a heading names ("Paper 1: DoRA"), "*" where it names several, else ""."""
    named = {m.id for m in find_methods(normalise(heading))
             if not m.baseline and m.kind not in ("tool", "source")}
    return named.pop() if len(named) == 1 else "*" if named else ""


def named_subject(text: str) -> str:
    """The method a sentence is about when it names one: the subject its first frame names,
    else the one method it names (no baseline, tool, cited work or description); "" when
    it names none or several."""
    for frame in recognise(text).frames:
        if "subject" in frame.spans:
            return frame.subject
    named = {m.id for m in find_methods(normalise(text))
             if not m.baseline and m.kind not in ("tool", "source") and not m.generic}
    return named.pop() if len(named) == 1 else ""


# Code is read for its settings, never run: quotes and brackets around a list of modules
# (`target_modules=["q_proj", "v_proj"]`) are dropped so the list reads as one.
_CODE_PUNCT = re.compile(r"[\"'`\[\]{}]")


# What `print_trainable_parameters()` prints, pasted into a code block as the run's output:
# a statement of counts, read as a sentence (code itself is never run)
_PRINTED_COUNT = re.compile(r"^\W{0,4}trainable params:\s*[\d,]+\s*\|\|\s*all params:", re.I)


def stated_config(text: str, code: bool = False
                  ) -> tuple[int | None, str | None, float | None]:
    """The rank, the module set and lora_alpha a text states (None where it states none; rank
    0 where it names several ranks, so which one a later figure is about is not known)."""
    read, _ = read_conditions(normalise(_CODE_PUNCT.sub(" ", text) if code else text))
    rank = 0 if read.get("ranks") else read.get("r")
    alpha = read.get("alpha")
    return rank, read.get("modules"), float(alpha) if isinstance(alpha, int | float) else None


def _fact_claims(article: Article) -> list[Claim]:
    out = []
    title_model = named_model(article.title or "")
    ids: set[str] = set()
    for i, fact in enumerate(article.atomic_facts):
        text = " ".join((fact.statement or "").split())
        if not text:
            continue
        fid = fact.id or f"fact-{i + 1}"
        cid = f"{article.path}#{fid}"
        if cid in ids:  # a duplicated fact id (the rules report it) must not merge two claims
            cid = f"{cid}.{i + 1}"
        ids.add(cid)
        out.append(Claim(
            id=cid, path=article.path, article_id=article.id, fact_id=fid,
            line=article.line_of(f"atomic_facts.{i}.statement"), text=text,
            origin="atomic_fact", pinned=fact.verify, context_model=title_model,
        ))
    return out


def _body_claims(article: Article, blocks: list[Block], seen: set[str]) -> list[Claim]:
    out: list[Claim] = []
    per_line: dict[int, int] = {}
    section: str | None = None
    title_model = named_model(article.title or "")
    model_here = title_model  # the model the text names last, for sentences naming none
    named_so_far: dict[str, str] = {}  # every model the article's prose has named before
    subject_here = ""  # the method the paragraph's sentences so far are about
    rank_here, modules_here, alpha_here = 0, "", 0.0  # the configuration the article stated last
    config_model = ""  # the model that configuration was stated for
    question = ""  # a yes/no question just asked (a heading or a paragraph's last sentence)
    headings: list[tuple[int, str]] = []  # (level, method named) of the headings above
    inherited = ""  # the method a parent heading names, where the section's own names none

    def add(text: str, line: int, origin: str, block: Block | None = None,
            lead: str = "") -> None:
        key = normalise(text).lower()
        if key in seen:
            return
        seen.add(key)
        per_line[line] = per_line.get(line, 0) + 1
        n = per_line[line]
        cid = f"{article.path}:{line}" + (f".{n}" if n > 1 else "")
        row = {"cells": block.cells, "caption": block.caption} if block else {}
        out.append(Claim(id=cid, path=article.path, article_id=article.id, line=line, text=text,
                         origin=origin, section=section, context_model=model_here,
                         context_subject=subject_here or inherited, context_lead=lead,
                         context_rank=rank_here, context_modules=modules_here,
                         context_alpha=alpha_here, context_config_model=config_model, **row))

    def note_config(text: str, code: bool = False) -> None:
        nonlocal rank_here, modules_here, alpha_here, config_model
        rank, modules, alpha = stated_config(text, code)
        rank_here = rank_here if rank is None else rank
        modules_here = modules or modules_here
        alpha_here = alpha_here if alpha is None else alpha
        if rank is not None or modules:
            config_model = named_model(text) or model_here

    for block in blocks:
        if block.kind == "heading":
            section = block.text
            # ("== DoRA == ... === Parameter cost ===": the sub-section is still about DoRA)
            # (not from the document's title, whose method is the article's default already,
            # nor full fine-tuning, which a section names to set it against the methods)
            headings = [h for h in headings if h[0] < (block.level or 1)]
            own = _heading_method(block.text)
            inherited = "" if own else next((m for _, m in reversed(headings) if m), "")
            if inherited in ("*", "full_ft"):
                inherited = ""
            if block.level > 1:
                headings.append((block.level, own))
            # (a new section names its own model, else the title's, else the one model the
            # article has named so far: "All rows use Llama-2-7B" above a later table)
            model_here = named_model(block.text) or title_model or (
                next(iter(named_so_far.values())) if len(named_so_far) == 1 else "")
            subject_here = ""
            question = block.text if _YES_NO_QUESTION.fullmatch(block.text) else ""
            continue
        if block.kind == "code":
            description = describe_lora_code(block.text)
            if description:
                add(description, block.line, "code")
            for offset, printed in enumerate(block.text.split("\n")):
                if _PRINTED_COUNT.search(printed):  # PEFT's print-out, shown as output
                    add(printed.strip(), block.line + offset, "body")
            note_config(block.text, code=True)
            continue
        split = with_answers(with_terms(sentences(block), section or ""), question)
        question = ""
        row = block if block.cells and len(split) == 1 else None  # a row read as one sentence
        before = ""
        for text, line in split:
            if is_checkable(text) or (row is not None and _row_is_checkable(row, section)):
                add(text, line, "body", row, lead_of(text, before))
            before = text
            if row is None:  # a table's rows each name their own model, for that row only
                named = named_model(text)
                model_here = named or model_here
                if named:  # ("Llama-2-7B" and "Llama 2 7B" are one model)
                    named_so_far[re.sub(r"[^a-z0-9]", "", named.lower())] = named
                subject_here = named_subject(text) or subject_here
                note_config(text)
        if split and split[-1][0].endswith("?"):  # an answer goes on its question's
            question = split[-1][0] if _YES_NO_QUESTION.fullmatch(split[-1][0]) else ""
        else:
            subject_here = ""
    return out


def extract_claims(article: Article) -> list[Claim]:
    """Every claim of one article: atomic facts first, then body sentences and code in order."""
    facts = _fact_claims(article)
    seen = {normalise(c.text).lower() for c in facts}
    return facts + _body_claims(article, body_blocks(article), seen)
