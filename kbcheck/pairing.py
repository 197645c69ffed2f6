"""Pairing: each claim's frames looked up in the verifier registry, or the reason none fits.

A pinned ``verify:`` block wins and is checked against the verifier's declared parameters.
Otherwise the claim is read into frames (`kbcheck.claims.recognise`); each frame's (subject,
predicate) is a key in the registry's table, and the verifier's pure `to_params(frame)` gives
canonical, bounded parameters or says why it cannot. No verifier reads text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import replace
from functools import cache

from kbcheck.claims.lexicon import load
from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities
from kbcheck.claims.recognise import Reading, find_methods, find_model, peft_api, recognise
from kbcheck.claims.rows import recognise_row, row_context, yes_no
from kbcheck.models import Claim, Finding, FramePairing, Pairing, Severity
from verifiers._base import Verifier
from verifiers._frame import Frame


@cache
def _unpaired_words() -> dict[str, re.Pattern]:
    """Words that say why an unpaired sentence is unverifiable (lexicon `unpaired`)."""
    return {name: re.compile(p, re.I) for name, p in load("unpaired").items()}


@cache
def _not_asserted() -> tuple[tuple[re.Pattern, str, str], ...]:
    """Sentences that assert nothing of their own (lexicon `unasserted`): (pattern, kind,
    reason), in the order written."""
    return tuple((re.compile("|".join(e["patterns"]), re.I), e["kind"], e["reason"])
                 for e in load("unasserted"))


@cache
def _methods() -> dict[str, dict]:
    return {m["id"]: m for m in load("methods")}


def claim_table(registry: Mapping[str, Verifier]) -> dict[tuple[str, str], str]:
    """(subject, predicate) -> verifier id, from what each verifier declares."""
    table: dict[tuple[str, str], str] = {}
    for vid in sorted(registry):
        for key in registry[vid].claims:
            table.setdefault(tuple(key), vid)
    return table


def _lookup(frame: Frame, table: dict[tuple[str, str], str]) -> str | None:
    subject = frame.subject
    while subject:
        vid = table.get((subject, frame.predicate)) or table.get(("*", frame.predicate))
        if vid:
            return vid
        subject = _methods().get(subject, {}).get("broader", "")
    return None


def pair_frame(frame: Frame, registry: Mapping[str, Verifier],
               table: dict[tuple[str, str], str]) -> FramePairing:
    """One frame -> its verifier and parameters, or why none."""
    base = FramePairing(subject=frame.subject, predicate=frame.predicate,
                        polarity=frame.polarity, slots=frame.slots(),
                        quantities=[q.text for q in frame.quantities],
                        # (a universal refutes on one failing setting only where the sentence
                        # names its scope or denies a possibility: a bare "never" or "always"
                        # leaves the deciding setting unstated)
                        modality=next((m for m in ("can", "all") if frame.has(f"modal_{m}")
                                       and (m == "can" or frame.has("scope_explicit")
                                            or frame.has("scope_impossible"))), ""))
    method = _methods().get(frame.subject)
    if frame.subject == "other":
        return base.model_copy(update={"reason": "the sentence compares something else with "
                                                 "LoRA: its subject is not a method checked here"})
    if method is not None and method["scope"] == "out":
        return base.model_copy(update={"reason": f"about {method['label']}, not a method "
                                                 "kbcheck verifies (out of scope)"})
    if frame.conditions.get("impossible"):
        return base.model_copy(update={"reason": "a stated value cannot be a size, rank or "
                                       f"share: {frame.conditions['impossible']!r}"})
    vid = _lookup(frame, table)
    if vid is None:
        label = method["label"] if method else frame.subject
        return base.model_copy(update={"reason": f"no verifier checks '{frame.predicate}' for "
                                                 f"{label}"})
    verifier = registry[vid]
    try:
        got = verifier.to_params(frame) if verifier.to_params else "it reads no frames"
    except (ValueError, KeyError, TypeError, ZeroDivisionError, OverflowError) as exc:
        got = f"could not read the frame: {exc}"
    if isinstance(got, str):
        return base.model_copy(update={"reason": f"{vid}: {got}"})
    params = dict(got)
    open_slots = list(params.pop("_open", ()))
    if frame.has("sign_unread"):  # (the cue's `sign_needs`: README of lexicon/predicates)
        open_slots.append("that what it names is added (no word of an addition or of its "
                          "size was read beside it)")
    lower_bound = bool(params.pop("_lower_bound", False))
    condition = str(params.pop("_condition", ""))[:300]
    # the sentence states in which setting the claim holds and in which not ("unmerged it
    # costs extra matmuls; merging removes them"): a measured split is what it says
    split = bool(params.pop("_split", False))
    # or the verifier reads the modal word as no claim about every setting ("merging never
    # changes the predictions": a bf16 merge's rounding leaves it conditional, not refuted)
    modality = params.pop("_modality", None)
    try:
        params = {k: v for k, v in verifier.resolve_params(params).items() if k in params}
    except ValueError as exc:
        return base.model_copy(update={"reason": f"{vid}: values out of bounds: {exc}"})
    return base.model_copy(update={"verifier": vid, "params": params, "open": open_slots,
                                   "lower_bound": lower_bound, "condition": condition,
                                   **({"modality": "split"} if split else
                                      {"modality": modality}
                                      if modality in ("", "can", "all", "may_fail")
                                      else {}),
                                   "reason": f"{frame.subject} / {frame.predicate} -> {vid}"})


def _pinned(claim: Claim, registry: Mapping[str, Verifier]) -> tuple[Pairing, list[Finding]]:
    spec = claim.pinned
    assert spec is not None
    verifier = registry.get(spec.verifier)
    problem = None
    if verifier is None:
        problem = f"unknown verifier {spec.verifier!r}"
        hint = "`kbcheck verifiers` lists the verifier ids"
    else:
        try:
            verifier.resolve_params(spec.params)
        except ValueError as exc:
            problem = f"bad params for {spec.verifier}: {exc}"
            known = ", ".join(f"{p.name} ({p.type.__name__})" for p in verifier.params) or "none"
            hint = f"{spec.verifier} declares: {known}"
    if problem:
        finding = Finding(rule="verify-pin", severity=Severity.error, path=claim.path,
                          line=claim.line, message=f"pinned verify: block of {claim.fact_id}: "
                          f"{problem}", hint=hint)
        return Pairing(claim_id=claim.id, pinned=True,
                       reason=f"pinned pairing is invalid: {problem}"), [finding]
    return Pairing(claim_id=claim.id, verifier=spec.verifier, params=dict(spec.params),
                   pinned=True, reason="pinned by the article's verify: block"), []


# an old state, then the one after the change: "which used to compute X and now uses Y"
_USED_TO_NOW = re.compile(r"\b(?P<who>which|that|it|they|we|PEFT|the\s+code|the\s+loader)\s+used\s+"
                          r"to\s+(?:[^.;]|\.(?=\w)){1,120}?,?\s+(?:and|but)\s+(?=now\b)", re.I)


def pair_claim(claim: Claim, registry: Mapping[str, Verifier],
               table: dict[tuple[str, str], str] | None = None,
               default_subject: str = "lora") -> tuple[Pairing, list[Finding]]:
    """Pair one claim: the pinned block, else its frames through the registry's table."""
    if claim.pinned is not None:
        return _pinned(claim, registry)
    table = claim_table(registry) if table is None else table
    text = claim.text
    if (myth := _MYTH_REALITY.match(text)) and len(myth.group("rest").split()) >= _OWN_WORDS:
        text = myth.group("rest")  # "Myth: 'DoRA doubles the count.' Reality: it adds 1.36M":
        # the myth is set against what the writer then states
    if fixed := _erratum(text):
        text = fixed  # "p. 41: '... trains 4.2 million parameters ...' should read '8.4
        # million'": the erratum's reading is what the writer now states
    text = _USED_TO_NOW.sub(r"\g<who> ", text)  # "rsLoRA scaling, which used to compute
    # alpha/sqrt(r) and now uses alpha/r": what it does now is the claim, not the old state
    if struck := _QUOTE_STRUCK.match(text):
        # "The sentence 'merged LoRA is slower' should go, because it is wrong": the quoted
        # claim, denied
        text = f"{struck.group('q').rstrip('.')}, which is false."
    quoted = _QUOTE_DENIED.match(text)
    if quoted:  # '"QLoRA stores weights in 8-bit" No. It stores them in 4-bit NF4': the myth
        # quoted is denied; what the writer then says is the claim
        text = text[quoted.end():]
        if len(text.split()) < _OWN_WORDS:
            return Pairing(claim_id=claim.id, reason="a quoted claim answered with a denial, "
                                                     "and no statement of the writer's own"), []
    answered = _wh_answered(text)
    if answered and recognise(answered, default_subject).frames:
        text = answered  # "Q: What is PEFT's default lora_alpha? A: 8.": the answer, as a claim
    elif (denied := _QUESTION_DENIED.match(text)) and len(denied.group("rest").split()) >= \
            _OWN_WORDS and (denied.group("proposed") or recognise(denied.group("rest"),
                                                                  default_subject).frames):
        text = denied.group("rest")  # "so the base gets gradients too?? no, after
        # get_peft_model it is frozen": the question is answered no, and the answer is the claim
    for pattern, kind, why in _not_asserted():
        m = pattern.search(text)
        if m:
            if kind == "reported" and _ENDORSED.search(text, m.end()):
                break  # "their slide says r=8 gives 4.2M; checked, that's right": the writer's
            text = (_corrected(text, m.start()) or _not_as_said(text, m.start())
                    or _own_words(text, m.end())
                    if kind == "reported" else
                    _own_words(text, m.end()) if kind in ("open_question", "past") else
                    (_reason_given(text, m.end()) or _before_advice(text, m.start())
                     or _tooltip(text) or _result_after(text, m.end(), default_subject))
                    if kind == "advice" else _before_question(text) if kind == "question"
                    else _after_hedge(text, m) if kind == "opinion" else "")
            if text and kind == "reported" and _PLURAL_PRONOUN.match(text) and any(
                    x.id != default_subject
                    for x in find_methods(claim.text[:max(m.end(), len(claim.text) - len(text))])):
                text = ""  # "... for claiming adapters cost nothing; they add layers": whom
                # "they" takes up is in the reported words, not read
            if text and kind == "reported" and pattern.search(text):
                text = ""  # the words after the break report another's too ("...; a student
                # claiming it is alpha*sqrt(r) loses the point")
            if not text:
                return Pairing(claim_id=claim.id, reason=why), []
            if not find_methods(text) and (named := find_methods(claim.text)) \
                    and all(x.scope == "out" for x in named):
                # 'Misconception: "B is random when VeRA starts." Actually B starts at zero': the
                # writer's words answer what was said of another method, and are about it
                return Pairing(claim_id=claim.id, reason="the writer's words answer a claim "
                                                         "about another method"), []
            said_of = {x.id for x in find_methods(claim.text) if x.scope != "out"
                       and x.kind != "tool"}
            if kind == "reported" and not find_methods(text) and len(said_of - {
                    default_subject}) == 1 and len(said_of) <= 2:
                # "people say QLoRA trains in 4 bits, which isn't right: the weights are stored
                # in 4 bits ...": the writer's own words are of the method the report named
                # (the one other than the article's, where that is named beside it: "you say
                # DoRA adds nothing over LoRA, but it does: ...")
                default_subject = (said_of - {default_subject}).pop()
            break
    keyed = _ANSWER_KEY.match(text) or _KEYED_LABEL.match(text)
    if keyed:  # "Statement: merging changes the outputs. Answer: False": the key's verdict
        # (with what the key goes on to say: "Answer: true, because B = 0", "- False: PEFT
        # keeps several on one base")
        said = keyed.group("said").strip()
        rest = text[keyed.end():].strip(" \t,;:.()[]\u2013\u2014-")
        if keyed.group("key").lower() == "false":
            # "X, so Y. Answer: false": what is keyed false is X, which Y follows from (Y is
            # not read, rather than read as stated)
            said = _CONSEQUENCE.split(said, maxsplit=1)[0]
        text = said if keyed.group("key").lower() == "true" else f"It is false that {said}"
        text = f"{text.rstrip('.')}; {rest}" if len(rest.split()) >= _OWN_WORDS else text
    cells = claim.cells or _pasted_row(text)
    if len(cells) == 2 and _FALSE_CELL.match(cells[1]):
        # a myth table's row, "| QLoRA stores the base in 8-bit | False: it is 4-bit NF4 |": the
        # second cell's key denies the first
        text, cells = f"It is false that {cells[0]}", ()
    if cells:
        context = row_context(claim.caption, claim.section) if claim.cells else ""
        reading = recognise_row(cells, context, default_subject)
    else:
        reading = recognise(text, default_subject)
    led = not reading.frames and bool(claim.context_lead)
    if led:  # "That saves 0.37 bits per parameter.": what it says of the sentence before
        reading = _with_lead(claim.context_lead, text, default_subject) or reading
    frames = [_pair_in_context(f, alternates, claim, registry, table)
              for f, alternates in zip(reading.frames, reading.alternates, strict=True)]
    # (only where it reads as the bare width, claim four_bit: "adapters kept in 4-bit" is not)
    bare = {i for i, (f, p) in enumerate(zip(reading.frames, frames, strict=True))
            if f.has("bare_width") and p.params.get("claim") == "four_bit"}
    if bare and any(p.verifier for i, p in enumerate(frames) if i not in bare):
        # "the merged model matches the 4-bit base plus adapter": a width named in passing
        # beside a claim a verifier takes is not a second claim (it would hold trivially)
        frames = [f for i, f in enumerate(frames) if i not in bare]
    frames = _without_premises(frames)
    if led:
        frames = [f.model_copy(update={"open": [*f.open, _LEAD_OPEN],
                                       "reason": f"{f.reason} (read with the sentence before "
                                                 "it)"}) if f.verifier else f for f in frames]
    paired = [f for f in frames if f.verifier]
    if paired:
        first = paired[0]
        why = "; ".join(f.reason for f in paired)
        if not first.polarity:
            why += "; the sentence denies what the verifier checks, so the verdict is turned round"
        return Pairing(claim_id=claim.id, verifier=first.verifier, params=first.params,
                       reason=why, negated=not first.polarity, frames=frames), []
    reason = unpaired_reason(reading.text, [f.reason for f in frames] or [reading.reason])
    return Pairing(claim_id=claim.id, reason=reason, frames=frames), []


_LEAD_OPEN = "what it points back to (read from the sentence before it)"


def _without_premises(frames: list[FramePairing]) -> list[FramePairing]:
    """The frames less a bare count of parameters that another frame takes as what a stated
    size is made of ("20.8M parameters in float32 is 83 MB", "Adam's moments for 4.2M
    parameters take 34 MB"): with no model or rank stated, the count is the premise of the
    size, not a claim about a configuration of its own."""
    premises = {f.params.get("count") for f in frames
                if f.verifier != "lora.param_count" and f.params.get("count")}
    if not premises:
        return frames
    return [f for f in frames
            if not (f.verifier == "lora.param_count" and f.params.get("claim") == "count"
                    and f.params.get("count") in premises
                    and not any(f.params.get(k) for k in ("model", "r", "d", "k")))]


def _with_lead(lead: str, text: str, default_subject: str) -> Reading | None:
    """A sentence that points back ("That saves 0.37 bits") read after the one before it: the
    frames whose every stated quantity is the sentence's own, the predicate or subject coming
    from before. None when there is none. Such a frame never refutes: which words it points
    back to is a reading, not something the sentence states (an open slot)."""
    own = len(normalise(lead)) + 1
    both = recognise(f"{lead} {text}", default_subject)
    keep = [(f, alts) for f, alts in zip(both.frames, both.alternates, strict=True)
            if f.quantities and (all(q.span[0] >= own for q in f.quantities)
                                 or _share_of_lead(f, own))]
    if not keep:
        return None
    return Reading(both.text[own:], tuple(f for f, _ in keep), "",
                   tuple(alts for _, alts in keep))


def _share_of_lead(frame: Frame, own: int) -> bool:
    """A count said before and its share said now ("... trains 4,194,304 parameters. That is
    about 0.06% of the model."): the sentence's own figures are all shares or ratios."""
    mine = [q for q in frame.quantities if q.span[0] >= own]
    # (with the model's own total beside the share: "about 0.52% of the 8.03B base")
    return frame.predicate == "trainable_params" and any(q.unit in ("pct", "x") for q in mine) \
        and all(q.unit in ("pct", "x") or q.unit in ("count", "params") and q.value >= 1e8
                for q in mine)


def _pair_in_context(frame: Frame, alternates: tuple[Frame, ...], claim: Claim,
                     registry: Mapping[str, Verifier], table: dict[tuple[str, str], str]
                     ) -> FramePairing:
    """A frame's pairing (or an alternate's), then read about the model and configuration
    stated before it. The context is filled into the frame the pairing was made from: an
    alternate the words were read as instead ("r=16 on all seven linear layers: 62,586,880"
    is a count, not a number of layers) keeps its own predicate."""
    paired = _pair_or_alternate(frame, alternates, registry, table)
    if (paired.predicate, paired.subject) != (frame.predicate, frame.subject):
        frame = next((a for a in alternates if (a.predicate, a.subject) == (
            paired.predicate, paired.subject)), frame)
    named = claim.context_model or (_BARE_MISTRAL.search(frame.text) and "Mistral-7B") or ""
    return _with_config(frame, _in_context(frame, paired, named, registry, table),
                        claim, registry, table)


# "Mistral" with no size: in fine-tuning prose almost always Mistral-7B, read as a model the
# sentence points to (it may support a claim, never refute one), as a model named before it is
_BARE_MISTRAL = re.compile(r"\bMistral\b(?![\s-]*(?:\d|v0|Large|Nemo|Small|Medium|Tiny|AI\b))",
                           re.I)


# predicates whose denial ("won't fit", "can't load") is the claim's own, not another reading's
_FITS = frozenset(("fits_gpu",))


def _pair_or_alternate(frame: Frame, alternates: tuple[Frame, ...],
                       registry: Mapping[str, Verifier],
                       table: dict[tuple[str, str], str]) -> FramePairing:
    """A frame's pairing; when no verifier can use it (none declared for it, or its verifier
    declines it), the first frame its words displaced that one can ("4x less VRAM than LoRA"
    is not a storage ratio, it is a memory ratio). A frame about a method out of scope, or with
    an impossible value, is final: its alternates share that."""
    paired = pair_frame(frame, registry, table)
    if paired.verifier or frame.subject == "other" or frame.conditions.get("impossible"):
        return paired
    for alternate in alternates:
        if not alternate.polarity and frame.polarity != alternate.polarity or \
                not alternate.polarity and not frame.polarity and frame.predicate in _FITS:
            # (a denial read through words another reading took: "it won't even load on a
            # 12 GB GPU" denies the fit, not the model's size beside it)
            continue
        other = pair_frame(alternate, registry, table)
        if other.verifier:
            return other.model_copy(update={
                "reason": f"{other.reason} (the words were first read as "
                          f"{frame.predicate}: {paired.reason})"})
    return paired


# Words that point back to a model named before ("the base model", "this checkpoint").
_THE_MODEL = re.compile(r"\b(?:the|this|that|our|its|your) (?:base(?: model)?|model|checkpoint|"
                        r"network|LLM)\b|"
                        # a figure pointed back to: "That bfloat16 figure is about 17.2 GiB"
                        r"\b(?:this|that|these|those|the same) (?:[\w-]+ )?(?:figure|number|"
                        r"size|weights|count)\b", re.I)


# its weights: "Loaded in 4-bit the weights drop to about 3.6 GB" (a model's size that no
# verifier reads without its model; "the weights of this adapter" are the adapter's)
_THE_WEIGHTS = re.compile(r"\b(?:the|its|our|your) (?:(?:base|frozen|quantized|full|original|"
                          r"model's) )?weights\b(?!\s+of\s+(?:this|the|an?|its|our|that)\s+"
                          r"(?:[\w.-]+\s+){0,2}?adapters?\b)", re.I)


# Where the author's own words start after reported speech: "You'll hear that B starts random,
# which is backwards: B starts at zero."
# (or a new sentence of the same item: 'Another reply claimed X. It adds none once merged.')
# (or the writer's own measurement after a comma: "Contrary to the claim that ..., we measure
# an overhead of about 6%")
_OWN_BREAK = re.compile(r"[:;]\s+|\s+-\s+|,?\s+(?:but|yet|whereas)\s+|"
                        r"(?:(?<=[.!?])|(?<=[.!?][\"']))\s+(?=[A-Z])|"
                        r",\s+(?=(?:we|I)\s+(?:(?:actually|instead|only|in\s+fact)\s+)?"
                        r"(?:measure|measured|count|counted|find|found|get|got|see|saw|observe|"
                        r"observed)\b)")
_OWN_WORDS = 3
# what is reported, then vouched for in the writer's own words after a break: "...; checked,
# that's right", "..., which is correct", "... - and they are right"
_ENDORSED = re.compile(r"(?:[:;,]|\s[-\u2013\u2014])\s+(?:(?:we|I)\s+)?"
                       r"(?:(?:checked|verified|confirmed|measured|re-?ran\s+it)\s*(?:it\s*)?"
                       r"[,:]?\s+)?(?:and\s+)?(?:that(?:'s|\s+is)|this\s+is|it(?:'s|\s+is)|"
                       r"which\s+is|they(?:'re|\s+are)|(?:and\s+)?(?:it|that)\s+"
                       r"(?:holds|checks\s+out))(?:\s+(?:exactly|quite|entirely|perfectly|indeed))?"
                       r"(?:\s+(?:right|correct|accurate|true|spot\s+on))?\W{0,3}$", re.I)
_PLURAL_PRONOUN = re.compile(r"\W{0,3}(?:they|these|those|them)\b", re.I)
# a myth quoted, then its reality ("Myth: '...' Reality: ..."): the reality is the writer's
# claim
_MYTH_REALITY = re.compile(r"^\W{0,3}(?:myth|misconception|fiction|claim)\s*#?\d{0,3}\s*"
                           r"[:.\u2013\u2014-]\s*[\"'\u2018\u201c][^\"\u201d]{2,400}?[.!?]?"
                           r"[\"'\u201d\u2019]\s+(?:reality|fact|"
                           r"truth|actually|in\s+fact|correction)\s*[:.\u2013\u2014-]\s*(?P<rest>\S.*)$",
                           re.I | re.S)
# a quoted claim (a myth's heading) answered with a denial: '"LoRA makes inference slower" No.'
_QUOTE_DENIED = re.compile(r"^\W{0,3}(?:[\w -]{1,20}:\s*)?[\"\u201c][^\"\u201d]{3,300}[\"\u201d]\s*"
                           r"[.,:;!?\u2014-]?\s*(?:no|nope|false|wrong|incorrect|not\s+(?:true|so|"
                           r"quite|really))\b[.!,:;\u2014-]*\s*", re.I)


# a quoted sentence called wrong, or to be struck because it is: "The sentence 'X' should go,
# because it is wrong", "The claim 'X' is false"
_QUOTE_STRUCK = re.compile(r"^\W{0,3}(?:the\s+|this\s+|that\s+)?(?:sentence|claim|line|statement|"
                           r"bullet|phrase)\s+['\"\u201c\u2018](?P<q>[^'\"\u201d\u2019]{8,300})"
                           r"['\"\u201d\u2019]\s+(?:should\s+(?:go|be\s+(?:removed|deleted|struck|"
                           r"cut|dropped))\s*,?\s*(?:because|since|as)\s+it\s+is|is|was)\s+"
                           r"(?:simply\s+|just\s+|plainly\s+)?(?:wrong|false|incorrect|untrue|"
                           r"a\s+myth)\b", re.I)


# A true/false item with its key: "Statement: X. Answer: False", "T/F: X - true"
# (or the key opening the next sentence: "True or false: X. False: the reason ...")
_ANSWER_KEY = re.compile(
    # (after a numbered label: "Question 10: True or false - ...")
    # (or a bare "Q:" before it, and "A:" before the key: "Q: True or false: ... A: False")
    # (a quiz's or a worksheet's name before the label: "Quiz Q3: True or false: ...")
    r"^\s*(?:(?:[\w-]{1,20}\s+)?(?:question|q|item|exercise|problem)\s*\d{1,3}\s*[:.)]\s*|"
    r"q\s*[:.)]\s*)?"
    r"(?:statement|claim|true or false|true/false|t/f)\s*[:.)-]\s*(?P<said>[^|]{8,400}?)"
    # (the key in brackets: "... latency. (Answer: false, ...)")
    r"(?:[\s.;,]*[(\[]?(?:\b(?:answer|ans|key|verdict|(?-i:A))\s*[:=-]|[-\u2013\u2014]|\u2192|->)\s*|"
    r"[.?!]\s+(?=(?:true|false)\s*(?:[:.,;!\u2013\u2014-]|$))|"
    # (a fact-check's rating: "Claim: '...' We rate it false, because ...")
    r"[.?!'\"\u201d\u2019]\s*(?:we|I)\s+(?:rate|rated|judge|judged|find|found|mark|marked|"
    r"call|deem)\s+(?:it|this|that|the\s+claim)\s+(?:as\s+)?(?=(?:true|false)\b))"
    r"(?P<key>true|false)\b", re.I)


# a consequence drawn after a statement ("..., so they add no latency")
_CONSEQUENCE = re.compile(r",?\s+(?:so|hence|therefore|thus|which\s+means)\s+(?=\w)", re.I)


# a statement, then its key and the reason (a myth table's row read as "X: False: W stays
# frozen ..."): the key's verdict of the statement
# (only "False": a "True" with a reason may qualify it, "True - only in 4-bit")
# (a glossary's dash too: "Each adapter needs its own copy of the base - False: ...")
# (a statement of several words, not a setting's name: "use_rslora: false, so ...")
_KEYED_LABEL = re.compile(r"^\s*(?P<said>[^|:;\s]+\s[^|:;]{6,300}?)\s*"
                          r"(?:[:|]|\s[-\u2013\u2014]{1,2})\s*"
                          r"(?P<key>false)\s*[:.;,\u2013\u2014-](?=\s+\S)", re.I)


# a question answered in the same line, as FAQs and quizzes write them ("Q: What does DoRA add?
# A: a magnitude vector ..."): the answer is the writer's claim, read with the question's words
# (an exercise's or a question's number as its label: "Exercise 9.9: How large ...? Answer: ...")
_QA = re.compile(r"^\W{0,3}(?:Q|Question|Exercise|Problem|Item)\s*\d{0,3}(?:\.\d{1,3})?\s*[:.)]\s*"
                 r"(?P<q>[^?]{3,300})\?\s*(?:A|Answer|Ans)\s*\d{0,3}\s*[:.)]\s*"
                 r"(?P<a>\S.{0,400})$", re.I | re.S)
# a question answered "no" on the same line, then the writer's own statement
# (or a change proposed as a question, then the facts: "- [ ] Flip use_dora's default to True?
# PEFT ships it as False")
# (a question put as a statement, "so the base gets gradients too??": one that opens with its
# verb, "Does merging cost latency? No: ...", is read where the sentence is normalised)
_QUESTION_DENIED = re.compile(r"^(?:(?![^?]{0,60}?\b(?:does|do|did|is|are|was|were|can|could|will|"
                              r"would|should|has|have|had|may|might|must|shall)\s)"
                              r"[^?]{3,300}\?+\s+(?:no|nope|nah|not\s+really|wrong|false)"
                              r"(?:\s+(?:bro|dude|mate|man|lol|haha))?\s*[,.!:;-]+|"
                              r"\W{0,8}(?:\[\s?[xX]?\]\s*)?(?P<proposed>flip|change|switch|bump|raise|"
                              r"lower)\b[^?]{3,200}\?+)\s*(?P<rest>\S.*)$", re.I | re.S)
_WHAT_IS = re.compile(r"(?:(?:what|which)\s+(?:is|are|was|were)|what['\u2019]s)\s+(?P<x>.+)",
                      re.I | re.S)
_NOTHING = re.compile(r"(?:nothing|none|no|not|never|zero|nope|yes|yep)\b", re.I)
_WH_DO = re.compile(r"(?:how|what)\s+(?:does|do|did)\s+(?P<x>.+)", re.I | re.S)
# "(After five steps,) how far has X moved?" answered "Not at all" / "None" / "Zero"
_HOW_FAR = re.compile(r"(?:[\w ,-]{1,40},\s*)?how\s+(?:far|much)\s+(?:has|have|had|did|does|do)\s+"
                      r"(?P<x>\S.{0,120}?)\s+(?P<v>moved|move|changed|change|shifted|drifted)"
                      r"(?:\s+[\w ,-]{1,40})?", re.I | re.S)
_NOT_AT_ALL = re.compile(r"(?:not\s+at\s+all|none|zero|(?:it\s+)?(?:has|did)\s*n[o']t)\b[.;,]?",
                         re.I)
# "(On average,) how many bits per parameter does NF4 use? A: exactly 4": "NF4 uses exactly 4
# bits per parameter"
_HOW_MANY = re.compile(r"(?P<lead>[\w +-]{1,30},\s*)?how\s+many\s+(?P<what>[\w\s/-]{1,40}?)\s+"
                       r"(?:does|do|did|will|would)\s+(?P<x>.+?)\s+(?P<v>use|have|take|need|"
                       r"train|add|store|keep|hold)(?P<tail>\s+[\w ]{1,20})?", re.I | re.S)
# "Which of the two matrices starts out as all zeros? A: A": "A starts out as all zeros"
_WHICH_ONE = re.compile(r"(?P<lead>[\w +-]{1,30},\s*)?(?:which|what)\s+"
                        r"(?:of\s+(?:the|its|LoRA's)\s+(?:two\s+)?)?"
                        r"(?:matri(?:x|ces)|factors?|one|tensors?)\s+(?P<rest>(?!(?:is|are|do|"
                        r"does)\b)\w.+)", re.I | re.S)

# "What fraction of Mistral-7B do we train with r=16? A: About 0.58%": "we train About 0.58% of
# Mistral-7B with r=16"
_WHAT_PART = re.compile(r"(?:what|which)\s+(?:fraction|share|percentage|percent|proportion|part)\s+"
                        r"of\s+(?P<whole>[\w .-]{1,40}?)\s+(?:does|do|did|will|would)\s+"
                        r"(?P<x>(?:we|you|they|it|LoRA|QLoRA|DoRA|the\s+\w+))\s+(?P<v>train|"
                        r"update|touch|adapt|tune|fine-tune)(?P<tail>\s+[\w ,=/.-]{1,60})?",
                        re.I | re.S)
# "How big is a rank-16 adapter for Llama-2-7B? A: About 80 MB": "a rank-16 adapter ... is
# About 80 MB"
_HOW_BIG = re.compile(r"how\s+(?:big|large|small|heavy)\s+(?P<be>is|are|was|were)\s+(?P<x>.+)",
                      re.I | re.S)


_IT_ANSWER = re.compile(r"(?:it|they)\s+(?=[a-z]+s?\b)", re.I)


_DENIED_WORD = re.compile(r"\b(?:no|not|without|never)\b", re.I)


def _wh_answered(text: str) -> str:
    """The statement a same-line question and answer make, or "" where none is read: "What
    is X? A: V" is "X is V"; "How does X do Y? A: Z" is "X do Y Z" (a yes or no answer is read
    where the sentence is normalised)."""
    m = _QA.match(text)
    if not m:
        return ""
    question, answer = m.group("q").strip(), m.group("a").strip()
    if (far := _HOW_FAR.fullmatch(question)) and _NOT_AT_ALL.match(answer):
        # "How far has q_proj.base_layer.weight moved after five steps? A: Not at all": it has
        # not moved (the rest of the answer follows)
        rest = answer[_NOT_AT_ALL.match(answer).end():].strip(" ;,.")
        return f"{far.group('x')} has not {far.group('v')} at all{'; ' + rest if rest else ''}."
    if _NOTHING.match(answer):
        return ""  # "A: Nothing extra; ...": a denial, read where the sentence is normalised
    if what := _WHAT_IS.fullmatch(question):
        return f"{what.group('x')} is {answer}"
    if how := _WH_DO.fullmatch(question):
        if (it := _IT_ANSWER.match(answer)) and " " in how.group("x").strip():
            # "What does DoRA cost? A: It adds no trainable parameters": the answer's pronoun
            # is the question's subject (the words before its verb)
            return f"{how.group('x').strip().rsplit(' ', 1)[0]} {answer[it.end():]}"
        # (set apart by a comma after a denied condition closing the question, "... with no
        # double quantization", which does not deny the answer's figure)
        return f"{how.group('x')}{',' if _DENIED_WORD.search(how.group('x')) else ''} {answer}"
    short = answer.rstrip(" .!")
    if len(short.split()) <= 4:
        if many := _HOW_MANY.fullmatch(question):
            return (f"{many.group('lead') or ''}{many.group('x')} {many.group('v')}s {short} "
                    f"{many.group('what')}{many.group('tail') or ''}")
        if which := _WHICH_ONE.fullmatch(question):
            return f"{which.group('lead') or ''}{short} {which.group('rest')}"
        if part := _WHAT_PART.fullmatch(question):
            return (f"{part.group('x')} {part.group('v')} {short} of {part.group('whole')}"
                    f"{part.group('tail') or ''}")
        if big := _HOW_BIG.fullmatch(question):
            return f"{big.group('x')} {big.group('be')} {short}"
    return ""


_FALSE_CELL = re.compile(r"\s*(?:false|wrong|incorrect|myth)\s*[:.;,!\u2013\u2014-]", re.I)


def _pasted_row(text: str) -> tuple[str, ...]:
    """A table row pasted as text whose cells answer yes, no or none ("Merged LoRA | extra
    latency: none | ..."): its cells, read as a row's; () for any other text."""
    if text.count(" | ") < 2:
        return ()
    cells = tuple(c.strip() for c in text.strip().strip("|").split(" | ") if c.strip())
    return cells if any(yes_no(c) != c for c in cells[1:]) else ()


# a chat hedge that closes a sentence's first clause ("loader's fine imo, ..."): the words after
# that clause state what the writer holds ("in my experience, ..." keeps its whole sentence)
_HEDGE = re.compile(r"imh?o$", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s+[-\u2013\u2014]{1,2}\s+")


def _after_hedge(text: str, m: re.Match) -> str:
    """What follows the clause of an opening hedge; "" where the hedge is elsewhere."""
    if not _HEDGE.match(m.group(0)) or _CLAUSE_BREAK.search(text, 0, m.start()):
        return ""
    cut = _CLAUSE_BREAK.search(text, m.end())
    own = text[cut.end():] if cut else ""
    return own if len(own.split()) >= 5 else ""


# the reason advice gives for itself ("Make sure ... nf4, because BitsAndBytesConfig otherwise
# falls back to FP4"): a statement of its own
_BECAUSE = re.compile(r"\b(?:because|since)\s+", re.I)


def _reason_given(text: str, after: int) -> str:
    """What advice states as its reason, after "because" or "since"; "" when it gives none."""
    m = _BECAUSE.search(text, after)
    own = text[m.end():] if m else ""
    return own if len(own.split()) >= _OWN_WORDS else ""


# a setting's tooltip: "Use rsLoRA: scales the update by alpha / sqrt(r) instead of alpha / r"
# (what follows the colon says what the named thing does)
_TOOLTIP = re.compile(r"^\W{0,6}(?:use|enable|try|turn\s+on|switch\s+on)\s+"
                      r"(?P<name>[\w+.-]+(?:\s+[\w+.-]+){0,2})\s*:\s+(?P<does>[a-z]+s\b.*)$",
                      re.I | re.S)


def _tooltip(text: str) -> str:
    """What a tooltip says its named setting does, with the name as its subject ("rsLoRA scales
    the update by ..."); "" for any other text."""
    m = _TOOLTIP.match(text)
    return f"{m.group('name')} {m.group('does')}" if m and \
        len(m.group("does").split()) >= _OWN_WORDS else ""


# where an instruction ends and what it yields is stated ("Step 2: wrap it with r=16; the
# wrapped model reports 8,388,608 trainable parameters", "Step 5: Save. The file is ...")
# ("Step 6: merge the adapter, and the merged model runs as fast as the base": a clause with a
# subject of its own after ", and")
_RESULT_BREAK = re.compile(r";\s+|(?<=[.!])\s+(?=[A-Z])|,\s+and\s+(?:so\s+|then\s+)?"
                           r"(?=(?:the|its|your|this|that|each|every)\s+\w)")
# the result's subject is the instruction's object ("add X; it saves 0.37 bits per parameter")
_TAKES_UP = re.compile(r"(?:it|this|that|which)\s", re.I)


def _result_after(text: str, after: int, subject: str) -> str:
    """An instruction with what it yields stated in a clause of its own after it: the whole
    sentence, whose instruction gives the setting the result is of; "" where no clause after
    the instruction is a statement (another instruction is not)."""
    m = _RESULT_BREAK.search(text, after)
    rest = text[m.end():] if m else ""
    if len(rest.split()) < _OWN_WORDS or any(
            kind == "advice" and pattern.search(rest) for pattern, kind, _ in _not_asserted()):
        return ""
    if recognise(rest, subject).frames:
        return text
    return text if _TAKES_UP.match(rest) and recognise(text, subject).frames else ""


def _before_advice(text: str, start: int) -> str:
    """What a sentence states before advice it adds in a clause of its own ("unmerged DoRA is
    slower, and we recommend merging"); "" when the advice opens the sentence."""
    cut = _ADVICE_JOIN.search(text, max(0, start - 20), start)
    own = text[:cut.start()] if cut else ""
    return own if len(own.split()) >= _OWN_WORDS else ""


_ADVICE_JOIN = re.compile(r"(?:[;,]\s*(?:and|so|but|hence|therefore|which is why)?|"
                          r"\s(?:and|so))\s+$", re.I)


# a short question after a statement ("DoRA doubles the count. Worth it?"): the statement
# stands; not one that doubts it ("... Or does it?", "Really?")
_TRAILING_QUESTION = re.compile(r"[.!]\s+(?!(?:or|really|is|does|did|do|will|would|can|could|"
                                r"was|are|isn't|doesn't|not|true|sure)\b)(?:[\w'-]+[\s,]+){0,3}"
                                r"[\w'-]+\s*\?\s*$", re.I)


def _before_question(text: str) -> str:
    """The statement before a short trailing question that does not doubt it; "" for a
    sentence that is itself the question."""
    m = _TRAILING_QUESTION.search(text)
    own = text[:m.start() + 1] if m else ""
    return own if len(own.split()) >= _OWN_WORDS else ""


def _own_words(text: str, after: int) -> str:
    """What a sentence that reports others' words goes on to say in its own, after its last
    colon, semicolon or dash; "" when it says nothing more."""
    breaks = list(_OWN_BREAK.finditer(text, after))
    own = text[breaks[-1].end():] if breaks else ""
    # (the report's own pattern may end inside the verdict: "someone wrote ..., but that is not
    # right, with 4 bits ..." ends at "that")
    if (verdict := next((v for v in _VERDICT_BREAK.finditer(text) if v.end() > after), None)):
        own = text[verdict.end():]  # "people say QLoRA trains in 4 bits, which isn't right: the
        # weights are stored in 4 bits, but ...": all the writer says after the verdict (the
        # verdict is a break of its own: "students wrote that it adds r^2 = 64 parameters, which
        # is wrong, since A and B together hold r(d+k)")
    if not breaks and _OTHER_WAY.search(text, max(0, after - 40), after) \
            and (comma := re.match(r"\s*,\s*", text[after:])):
        own = text[after + comma.end():]  # "...; it is the other way round, B is zero-
        # initialised": what the writer says after the verdict that ends the report
    if not breaks and re.search(r"[;:]\s*$", text[max(0, after - 3):after]):
        own = text[after:]  # "I previously wrote that B gets Kaiming init; it's actually A":
        # the report's words end at the break
    if not breaks and _CALLED_WRONG.search(text, max(0, after - 40), after) \
            and (why := _WHY_WRONG.match(text, after)):
        own = text[why.end():]  # "'A is zero, B random' has it backwards, because PEFT zeros B
        # ...": the reason the writer gives for the verdict is the writer's own
    if _ENDS_SENTENCE.search(text, 0, after):
        own = text[after:]  # 'Misconception: "X." In fact B starts at zero': the report ended
        # with its sentence, and the next sentence is the writer's, whole
    # ("...; that can't be true, the extra matmuls always cost something": the verdict on the
    # reported words is no part of the writer's own claim)
    own = own[m.end():] if (m := _VERDICT_FIRST.match(own)) else own
    return own if len(own.split()) >= _OWN_WORDS else ""


# the writer's own words correcting what was reported: "...; in fact, it needs 27 GB", "...;
# the correct figure is about 0.52%"
_CORRECTION = re.compile(r"(?:in\s+fact|actually|in\s+reality|(?:the|its)\s+(?:correct|right|"
                         r"actual|true|real|accurate)\s+(?:figure|number|value|count|size|share|"
                         r"ratio|amount|total)\s+(?:is|was|should\s+(?:have\s+)?(?:be|been|read))|"
                         r"it\s+(?:is|was|'s)\s+(?:actually|really)|it\s+should\s+(?:have\s+)?"
                         r"(?:read|said|be|been)|"
                         # "...; it isn't, it's about 160 million": the report denied, then set
                         # right
                         r"(?:it|that)(?:\s+(?:isn't|wasn't|is\s+not|was\s+not)|'s\s+not)"
                         r"(?:\s+(?:so|true|right|correct))?\s*[,;:\u2013\u2014-]\s*"
                         r"(?:it(?:'s|\s+is|\s+was)\b)|"
                         # "...; it is about 138 GB": a figure said plainly after the report
                         r"it(?:'s|\s+is|\s+was)(?=\s+(?:(?:about|roughly|around|approximately|"
                         r"~)\s*)?\d))\b,?\s*", re.I)


# the writer's correction at the start of a clause, or after the setting it is for: "...; for
# the 7B q/v setting it is in fact about 1,600x" (the setting, then "it is" before the
# correction), or with the setting after it ("...; in fact, at r=16 on q and v it trains 0.12%")
_CORRECTION_AHEAD = re.compile(r"(?:(?P<setting>(?:for|with|on|at|in|under)\s[^.;:]{3,80}?)"
                               r"\s+(?:(?:it|this|that)(?:\s+is|\s+was|'s)\s+)?)?"
                               + _CORRECTION.pattern
                               + r"(?:(?P<after>(?:for|with|on|at|in|under)\s[^.;:]{3,80}?),?"
                                 r"\s+(?=(?:it|this|that|they|we)\b))?", re.I)


def _corrected(text: str, start: int) -> str:
    """A report corrected by its writer ("Last week's issue said r=16 on all linear layers of
    Llama-3-8B trains 0.05%; the correct figure is 0.52%"): the reported words with the figure
    corrected replaced by the writer's, the pair of one unit nearest in size (so that "at 2
    bytes per parameter, it needs 27 GB" corrects "13.5 GB"); "" when the writer's words
    correct no figure of the report."""
    for cut in _OWN_BREAK.finditer(text, start):
        if (fix := _CORRECTION_AHEAD.match(text, cut.end())):
            break
    else:
        return ""
    said = text[start:cut.start()]
    if (end := _SENTENCE_END.search(said)) is not None:
        said = said[:end.start() + 1]  # "I said it trains 0.6%. Off by 10x: it's 0.06%": the
        # report ends with its sentence; the verdict on it ("off by 10x") is no figure of it
    said = said[verb.end():] if (verb := _SAYING.search(said)) else said
    if (quote := _QUOTED.search(said)) and len(quote.group("said").split()) >= _OWN_WORDS \
            and _VERDICT_AFTER_QUOTE.match(said, quote.end()):
        said = quote.group("said")  # "the answer '... adds 64 parameters' is wrong, because
        # that is r^2; the correct count is 65,536": what was said is the quote, not the verdict
    said = normalise(said)
    if verb and (listed := _LISTED_AS.search(said)):
        # "the table listed Llama-2-70B in bf16 as 128 GB": the figure is what it said it is
        said = said[:listed.start()] + " is " + said[listed.end():]
    fixed = _put_right(said, normalise(text[fix.end():]))
    if not fixed:
        # a form set right ("the scale factor was printed as r/alpha; it should read
        # alpha/r"): the word after "as" replaced by the writer's
        was = _PRINTED_AS.search(said)
        rest = text[fix.end():].strip()
        return said[:was.start(1)] + rest if was and rest else ""
    setting = (fix.group("setting") or fix.group("after") or "").strip(" ,")
    # the setting the writer's correction is for, kept with it ("...; for the Llama-2-7B q/v
    # r=8 setting it is in fact about 1,600x")
    fixed += " " + setting if setting else ""
    # (and what the writer goes on to say, where it is more than the figure: "...; it isn't,
    # it's about 160 million parameters, around 2.3%")
    rest = text[fix.end():].strip()
    return f"{fixed.rstrip('. ')}; {rest}" if len(rest.split()) >= _OWN_WORDS else fixed


def _put_right(said: str, correction: str) -> str:
    """`said` with its figure that `correction` corrects replaced by the correction's: the
    pair of one unit nearest in size (so that "at 2 bytes per parameter, it needs 27 GB"
    corrects "13.5 GB"), a figure written with its unit before a bare one (a rank or a
    matrix's width is a setting, "64 parameters" what was claimed); "" when the correction
    corrects no figure of it."""
    pairs = [(not q.stated_unit, abs(math.log(n.value / q.value)), q, n)
             for q in _figures(said) for n in _figures(correction)
             if _KIND.get(q.unit, q.unit) == _KIND.get(n.unit, n.unit)]
    if not pairs:
        return ""
    _, _, q, n = min(pairs, key=lambda p: p[:2])
    new = n.text
    if n.unit != q.unit and (num := _FIGURE.match(q.text)):
        new += q.text[len(num.group(0).rstrip()):]  # "4.2M trainable parameters"
        # corrected to "8.4M"
    start = q.span[0]
    if n.bound not in ("le", "ge") and (bound := _BOUND_BEFORE.search(said, 0, start)):
        start = bound.start()  # "still under 1%" set right to "around 2.3%": no bound is left
    return said[:start] + new + said[q.span[1]:]


# a bound right before a figure ("under 1%", "at most 8 GB"), which the figure set right in its
# place does not keep
_BOUND_BEFORE = re.compile(r"\b(?:under|below|over|above|less\s+than|more\s+than|fewer\s+than|"
                           r"at\s+(?:most|least)|up\s+to|no\s+more\s+than)\s+$", re.I)


# an erratum or a review's fix: "'X' should read 'Y'", "the row 'Llama-2-70B, fp16, 140 GB'
# should read '128 GB'"
_ERRATUM = re.compile(r"[\"'\u2018\u201c](?P<said>[^\"'\u2019\u201d]{3,300})[\"'\u2019\u201d]"
                      r"\s*,?\s*"
                      r"(?:should\s+(?:read|be|say)|must\s+read|is\s+to\s+read)\s*(?:as\s+)?"
                      r"(?:[\"'\u2018\u201c](?P<new>[^\"'\u2019\u201d]{1,300})[\"'\u2019\u201d]"
                      # (or the new reading unquoted after a colon: "... should read: NF4 with
                      # its constants averages 4.127 bits")
                      r"|:\s*(?P<plain>[^\"\u201c\u201d]{3,300}))"
                      # ("Replace 'X' with 'Y'", "change 'X' to 'Y'"; "for 'X' read 'Y'" is
                      # set_aside.yaml's, read in place)
                      r"|\b(?:replace|change|correct|amend)\s+"
                      r"[\"'\u2018\u201c](?P<old>[^\"'\u2019\u201d]{3,300})[\"'\u2019\u201d]"
                      r"\s*,?\s*(?:with|to|into|by)\s+(?:as\s+)?"
                      r"[\"'\u2018\u201c](?P<repl>[^\"'\u2019\u201d]{1,300})[\"'\u2019\u201d]",
                      re.I)


def _erratum(text: str) -> str:
    """What an erratum states: the replacement where it is a statement of its own, else the
    quoted words with the figure it replaces put right; "" where the text is no erratum or
    the replacement corrects no figure of the quoted words."""
    m = _ERRATUM.search(text)
    if m is None:
        return ""
    said = normalise(m.group("said") or m.group("old"))
    new = normalise(m.group("new") or m.group("plain") or m.group("repl"))
    return new if len(new.split()) >= _OWN_WORDS else _put_right(said, new)


_PRINTED_AS = re.compile(r"\bas\s+(\S{1,30}(?:\s+=\s+\S{1,30})?)\s*$")


def _figures(text: str) -> list:
    """The positive figures of a text, but for those in a model's name ("Llama-3-8B")."""
    return [q for q in find_quantities(text) if q.value > 0
            and not re.search(r"[A-Za-z]-(?:\d{1,2}(?:\.\d)?-)?$", text[:q.span[0]])]


# a quotation in single, double or curly quotes, and the verdict on it after it
_QUOTED = re.compile(r"[\"\u201c\u2018'](?P<said>[^\"\u201d\u2019']{3,300})[\"\u201d\u2019']")
_VERDICT_AFTER_QUOTE = re.compile(r"\s*,?\s*(?:is|was|are|were)\s+(?:\w+\s+)?(?:wrong|false|"
                                  r"incorrect|untrue|inaccurate|mistaken|misleading|overstated|"
                                  r"an?\s+(?:misreading|mistake|error|myth))\b", re.I)
_FIGURE = re.compile(r"~?\s*[\d.,]+\s*(?:thousand|million|billion|trillion|[KMBTkmb])?\b")


def _not_as_said(text: str, start: int) -> str:
    """The writer's figure before the one reported and denied ("... is 159.9M, not 'a fraction
    of a percent' like the post says"); "" when the report is not so denied."""
    denied = _NOT_AS.search(text, 0, start)
    own = text[:denied.start()] if denied else ""
    return own if len(own.split()) >= _OWN_WORDS else ""


_NOT_AS = re.compile(r"(?:[,;]|\s[-\u2013\u2014])?\s*\bnot\s+[^;:]{1,100}?\s+(?:as|like)\s+$", re.I)


# units that count the same things ("8.4M trainable parameters", corrected to "4.2M")
_KIND = {"params": "count"}


# the verb of a report, before what was said ("said that", "states")
_SAYING = re.compile(r"\b(?:says|said|puts|put|gives|gave|lists|listed|claims|claimed|states|"
                     r"stated|quotes|quoted|wrote|writes|reported|reports)\s+(?:that\s+)?", re.I)


_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z])")
# a figure given "as" what something is, after a verb of listing ("put it at" is read as it is)
_LISTED_AS = re.compile(r"\s+as\s+(?=(?:about\s+|roughly\s+|around\s+|~\s*)?\d)", re.I)
_ENDS_SENTENCE = re.compile(r"[.!?][\"'\u201d\u2019]?\s+$")
_CALLED_WRONG = re.compile(r"\b(?:backwards|reversed|round|around|wrong|false|incorrect|myth)$",
                           re.I)
_WHY_WRONG = re.compile(r"\s*,?\s*(?:because|since)\s+", re.I)


# a report's verdict that it has things reversed ("it is the other way round")
_OTHER_WAY = re.compile(r"\b(?:the\s+other\s+way\s+(?:round|around)|backwards|reversed)\W{0,2}$",
                        re.I)
# the writer's verdict on what was reported, then a colon, semicolon, comma or dash before the
# writer's own words
_VERDICT_BREAK = re.compile(r"\b(?:which|that|this|it)(?:'s|\s+is|\s+was)?(?:\s*n't|\s+not)?\s+"
                            r"(?:quite\s+|entirely\s+|really\s+)?(?:right|true|correct|accurate|"
                            r"wrong|false|untrue|incorrect)\s*(?:[:;,]|\s[-\u2013\u2014])\s*", re.I)
# the writer's verdict on what was reported, before the writer's own words
_VERDICT_FIRST = re.compile(r"(?:(?:and\s+)?(?:that|this|which|it)(?:'s|\s+is)?\s+(?:can't|cannot|"
                            r"isn't|is\s+not|not|never|won't|couldn't)\s+(?:be\s+)?|(?:that(?:'s|"
                            r"\s+is)\s+)?)(?:true|right|correct|so|accurate|wrong|false|untrue|"
                            r"incorrect|nonsense)\s*[,:.!-]\s+"
                            # ("...; it isn't, it's about 160 million": the bare verb denied)
                            r"|(?:it|that|this|they)(?:\s+(?:isn't|wasn't|doesn't|won't|can't|"
                            r"cannot|aren't|don't|is\s+not|does\s+not|are\s+not|do\s+not)|"
                            r"'s\s+not|'re\s+not)\s*[,:.!-]\s+", re.I)


def _in_context(frame: Frame, paired: FramePairing, context_model: str,
                registry: Mapping[str, Verifier], table: dict[tuple[str, str], str]
                ) -> FramePairing:
    """A frame that names no model, read about the model named before it ("Rank 16 on all
    seven projections: 40.4M trainable parameters" under a Qwen2.5-7B card), when it states
    a configuration (a rank, the adapted modules) or points back to a model ("the base"),
    and its verifier then measures that model. The model stays a value the sentence did not
    state: it can support the claim, never refute it."""
    named = frame.conditions.get("model") or {}
    # (a family named with no size, "on Mistral", is filled in by a model of that family)
    if (not context_model or named.get("size_b") or named.get("preset")
            or frame.subject == "other" or (paired.verifier and paired.params.get("model"))):
        return paired
    if not (frame.conditions.get("r") or frame.conditions.get("modules")
            or _THE_MODEL.search(frame.text)
            or not paired.verifier and frame.predicate == "model_size"
            and _THE_WEIGHTS.search(frame.text)):
        return paired  # a general statement ("cuts trainable parameters 10,000 times")
    found = find_model(context_model)
    model = {k: found.get(k) for k in ("family", "size_b", "preset")}
    if not model["family"] or named.get("family") not in (None, model["family"]):
        return paired
    read = pair_frame(replace(frame, conditions={**frame.conditions, "model": model}),
                      registry, table)
    if not read.verifier or not read.params.get("model"):
        return paired
    said = (f"it names {named['family'].title()} with no size, read as {context_model}"
            if named.get("family") else f"it names none; {context_model} is named before it")
    return read.model_copy(update={
        "open": [*read.open, f"the model ({said})"],
        "reason": f"{read.reason} (about {context_model}, "
                  f"{'the model of that family' if named.get('family') else 'named before it'})"})


def _with_config(frame: Frame, paired: FramePairing, claim: Claim,
                 registry: Mapping[str, Verifier], table: dict[tuple[str, str], str]
                 ) -> FramePairing:
    """A paired frame that states a figure but leaves the rank, the modules or the model out,
    with the same frame read in the configuration the article stated before it ("Saved in
    fp32 the file is 161 MB" after "r=16 on all seven projections of Qwen2.5-7B") as its
    `in_context`: the pipeline measures both, and the second may only support the claim. Only
    for verifiers that enumerate the configuration a claim leaves open (a count, a file's
    size): a fit or a memory ratio left open on other settings is not decided by a rank."""
    if (not paired.verifier or not registry[paired.verifier].reads_configuration
            or not paired.polarity or frame.subject == "other" or not frame.quantities
            or frame.conditions.get("ranks")):
        return paired
    fill: dict[str, object] = {}
    if claim.context_rank and not frame.conditions.get("r"):
        fill["r"] = claim.context_rank
    if claim.context_modules and not frame.conditions.get("modules"):
        fill["modules"] = claim.context_modules
    if claim.context_alpha and not frame.conditions.get("alpha") and fill.get("r"):
        fill["alpha"] = claim.context_alpha  # (with the rank it was stated beside)
    if not fill:
        return paired
    said = [f"rank {fill['r']}" if "r" in fill else "",
            f"modules {fill['modules']}" if "modules" in fill else "",
            f"lora_alpha {fill['alpha']:g}" if "alpha" in fill else ""]
    model = claim.context_model or claim.context_config_model
    if model and not frame.conditions.get("model") and not paired.params.get("model"):
        found = find_model(model)
        if found.get("family"):
            fill["model"] = {k: found.get(k) for k in ("family", "size_b", "preset")}
            said.append(model)
    read = pair_frame(replace(frame, conditions={**frame.conditions, **fill}), registry, table)
    if read.verifier != paired.verifier or read.params.get("claim") != paired.params.get("claim") \
            or (read.params, read.condition, read.open) == (paired.params, paired.condition,
                                                         paired.open):
        # (the same claim in that configuration, not another one; and a reading that differs:
        # other values, or the value it solved for now stated, "for r = 8" no longer a condition)
        return paired
    stated = ", ".join(x for x in said if x)
    return paired.model_copy(update={"in_context": read.model_copy(update={
        "reason": f"{read.reason} (with {stated}, stated before it)"})})


def unpaired_reason(text: str, why: list[str] | None = None) -> str:
    """Why a sentence that no verifier took is unverifiable."""
    words = _unpaired_words()
    m = words["time_sensitive"].search(text)
    if m:
        return (f"time-sensitive external figure ({m.group(0)!r}): it changes over time and no "
                "verifier can measure it")
    out_of_scope = [w for w in why or [] if "out of scope" in w or "compares something" in w]
    if out_of_scope:
        return out_of_scope[0]
    m = words["opinion"].search(text)
    if m:
        return f"an opinion or judgement ({m.group(0)!r}), not a measurable statement"
    m = words["benchmark"].search(text)
    if m:
        return f"a benchmark or quality figure ({m.group(0)!r}): task scores are not measured here"
    reasons = [w for w in why or [] if w]
    return "; ".join(dict.fromkeys(reasons)) or "no verifier matched this claim"


def pair_claims(claims: list[Claim], registry: Mapping[str, Verifier],
                default_subjects: Mapping[str, str] | None = None
                ) -> tuple[list[Pairing], list[Finding]]:
    """Pair every claim; findings for pinned blocks that are wrong. `default_subjects` maps an
    article path to the method a sentence without one is about (from the article's title)."""
    subjects = dict(default_subjects or {})
    table = claim_table(registry)
    pairings: list[Pairing] = []
    findings: list[Finding] = []
    for claim in claims:
        subject = (claim.context_subject or section_subject(claim.section)
                   or subjects.get(claim.path, "lora"))
        if subject in ("full_ft", "adapter") and peft_api(claim.text):
            subject = "lora"  # "calling unmerge_adapter() ..." under a full fine-tuning heading
            # (or a bottleneck adapters' one: PEFT's functions act on LoRA's adapters)
        pairing, found = pair_claim(claim, registry, table, subject)
        pairings.append(pairing)
        findings += found
    return pairings, findings


def section_subject(heading: str | None) -> str | None:
    """The method a section heading names ('LoRA+', 'QLoRA on a budget'), which the sentences
    under it are about when they name none; None when it names no one method."""
    if not heading:
        return None
    named = {m.id for m in find_methods(heading) if not m.baseline and m.kind != "tool"}
    return named.pop() if len(named) == 1 else None


def _plain(value: object) -> object:
    """Whole floats as integers, at any depth (`count: 262144`, not `262144.0`)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def suggest_block(pairing: Pairing, indent: int = 0) -> str:
    """The `verify:` YAML block an author can paste into the atomic fact to pin this pairing,
    indented by `indent` spaces (4 puts it under an atomic fact's `statement:` in a
    frontmatter list)."""
    import yaml

    params = _plain(dict(pairing.params))
    doc = {"verify": {"verifier": pairing.verifier, "params": params}}
    block = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).rstrip()
    if pairing.negated:  # a pinned block checks the claim itself, not its denial
        block = "# the sentence denies this claim: restate it positively to pin it\n" + block
    pad = " " * indent
    return "\n".join(pad + line for line in block.split("\n"))
