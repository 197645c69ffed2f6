"""Polarity: negation scope (NegEx-style), sentence-level denial, comparison direction.

A negation cue ("not", "n't", "never", "no longer", "cannot", "without", "no", "nothing",
"neither/nor", "absence / lack of", and "unlike" for the words of its own phrase: "unlike a
symmetric code") denies a predicate word that follows it in the same clause, within a few words:
the scope ends at a clause boundary or a contrast word ("but", "however", "while", "which" …).
A sentence that opens with a denial ("It is not true that …", "It is a myth that …") denies
everything after it. Trigger words in the lexicon are written without negation: "no latency" is
the predicate adds-latency, denied here. A "without" that is itself denied ("cannot switch
without reloading") states what is needed: the words after it are not denied.
"""

from __future__ import annotations

import re

# a manner denied, not the act: "cannot be merged by adding BA alone", "can't be merged by
# simply summing the factors" (it is merged, some other way)
_MANNER = re.compile(r"\s+(?:be\s+)?[\w-]+\s+(?:by|through|via)\s+(?:(?:simply|just|merely)\b|"
                     r"[^.;,:]{0,60}?\balone\b)", re.I)
_CUE = re.compile(
    # ("merging and not merging give the same model": a state named, not a denial)
    # ("so a 17 MB upload is expected and not a corrupted file": a fault ruled out, not the file)
    r"\b(?:not(?!\s+(?:only|just|merely)\b)(?!(?<=\band\snot)\s+\w+ing\b)"
    r"(?!\s+(?:a|an)\s+(?:corrupt\w*|broken|damaged|truncated|partial|faulty|failed|bad)\b)"
    r"(?!(?<=\bor\snot)\s+\w+ing\b)|never|no longer|cannot|can ?not|without|"
    r"no(?!\s+(?:more|less|fewer|longer|matter)\s+than\b)"
    # ("the adapter starts out as a no-op": a word of its own, an operation that changes nothing)
    r"(?!-?ops?\b)"
    # ("LoraConfig() with no arguments": a call's empty argument list)
    r"(?!\s+(?:arguments?|args|kwargs)\b)"
    r"(?!\s+(?:other|further|extra|additional)\s+(?:options?|arguments?|args|kwargs|"
    r"settings?|flags?|changes?|configuration|code)\b)"
    r"(?!\s+(?:problem|problems|issue|issues|trouble|sweat|doubt|wonder|matter)\b)|"
    # ("with nothing else set", "X and nothing else": an adjunct, not a denial)
    r"nothing(?!(?<=\bwith\snothing)\s+else\b)(?!(?<=\band\snothing)\s+else\b)|neither|nor|"
    # (a code value, `bias="none"` or `=None`, denies nothing)
    r"(?<![=\"'`])none(?![\"'`])|nobody|unlike|"
    # "and nowhere near for full fine-tuning": as far from it as a denial
    r"nowhere\s+near|"
    r"hardly|fails? to|failed to|unable to|free of|(?:absence|lack) of|lack(?:s|ed|ing)|"
    # ("eliminates 99.6% of the weights": an amount cut, not a denial)
    r"eliminat\w*(?!\s+(?:about\s+|roughly\s+|around\s+|nearly\s+|almost\s+|over\s+|~\s*)?\d)|"
    r"avoid\w*|"
    # "which rules out a single 80 GB card": the card is denied
    r"rul(?:e|es|ed|ing)\s+out(?=\s+(?:a|an|the|any|one|single|even)\b)|"
    # "so it is off the table on a single 80 GB card": the setting after it is denied
    r"(?:off\s+the\s+table|out\s+of\s+the\s+question)(?=\s+(?:on|for|with)\b)|"
    # "so forget about a single 24 GB card": the card is ruled out (an imperative: not "people
    # forget the 128k vocabulary adds a lot", where it is overlooked, not denied)
    r"(?<!people )(?<!they )(?<!we )(?<!users )(?<!folks )(?<!often )(?<!many )(?<!some )"
    r"(?<!\bI )(?<!you )(?<!everyone )(?<!usually )(?<!always )(?<!still )"
    r"forget(?:\s+about)?(?=\s+(?:a|an|the|any|one|single|even|running|training|fitting|"
    r"loading|fine-?tuning)\b)|"
    # "removes the adapter's extra cost": only of a cost ("removes an adapter" denies nothing)
    # ("spares LoRA the extra latency": the cost is spared)
    # (within its object: "removes the adapter matmuls and latency drops" removes no latency)
    # ("only the merged one skips the extra adapter matmuls": skipped, as removed)
    r"(?:remov(?:e|es|ed|ing)|spar(?:es|ed|ing)|skip(?:s|ped|ping)?|bypass(?:es|ed|ing)?)"
    r"(?=\s+(?:(?!(?:and|but|so|then|while)\b)[\w'-]+\s+){0,4}?"
    r"(?:cost|overhead|latency|slow-?down|delay|"
    r"penalt|extra|additional))|"
    # "which saves reloading the 26 GB base", "spares you re-reading it": what is saved is not
    # done
    r"(?:sav(?:e|es|ed|ing)|spar(?:e|es|ed|ing))(?=\s+(?:you\s+|us\s+|them\s+)?(?:from\s+)?"
    r"re-?(?:load|read|initiali[sz]|build|copy|copie)\w*)|"
    # "removes the need to keep a full copy per client": what was needed no longer is
    r"(?:remov(?:e|es|ed|ing)|obviat(?:e|es|ed|ing))(?=\s+(?:the|any)\s+need\b)|"
    # (also as the reading writes it: "exactly zero added latency" is read "exactly 0 ...")
    r"(?:zero|(?<![\d.,])0(?![\d.,])(?!\s*(?:ms|milliseconds?|%|percent|s|seconds?|x)\b))"
    r"(?=\s+(?:[\w-]+\s+){0,2}(?:latency|overhead|cost|slowdown|delay|impact|compute|"
    r"computation|FLOPs|matmuls?))|"
    # "adds negligible latency": as good as none
    r"(?:negligible|insignificant)(?=\s+(?:(?!(?:memory|parameters?|storage|VRAM|disk|training)\b)"
    r"[\w-]+\s+){0,2}(?:latency|overhead|slow-?down|delay))|"
    # "zero extra FLOPs", "zero additional parameters": none of what is added
    r"(?:zero|(?<![\d.,=])0(?![\d.,]))(?=\s+(?:extra|additional|added|new|more)\b)|"
    # "the base weights get zero updates", "0 gradient updates reach W0": none of them
    r"(?:zero|(?<![\d.,=])0(?![\d.,]))(?=\s+(?:[\w-]+\s+)?(?:updates|changes|modifications|"
    r"gradients)\b)|"
    # ("zero-latency inference": the compound denies its own word)
    r"zero(?=-(?:latency|overhead|cost|slowdown|delay|impact)\b)|"
    r"(?:does|do|did|is|are|was|were|has|have|had|ca|wo|could|should|would|need)nt)\b|n't\b"
    # "+0.0% latency", "0 ms overhead": a zero amount of it
    r"|(?<![\d.])\+?0(?:\.0+)?\s?(?:%|ms)(?=\s+(?:[\w-]+\s+){0,2}(?:latency|overhead|cost|"
    r"slow-?down|delay|impact))",
    re.I)
# A clause of its own after the denied verb, its comma left out: "because those layers cannot be
# folded away they add latency"
_NEW_SUBJECT = re.compile(r"\w\s+(?:they|we)(?:\s+(?!(?:can|could|do|did|will|would|should|"
                          r"may|might|must|are|were)\b)[a-z]{2,}\b|\s*$)|"
                          # "has no more LoRA layers and its inference time is ...": a subject
                          # of its own, with its verb
                          r"\band\s+(?:its|their|the\s+model's)(?:\s+(?:[\w-]+\s+){0,2}?"
                          r"(?:is|are|was|were|stays?|remains?|matches|equals)\b|\s*$)", re.I)


_AND_AT_END = re.compile(r"\band\s+$", re.I)
_SUBJECT_VERB = re.compile(r"[a-z][\w-]*\s+(?:is|are|was|were|stays?|remains?|matches|match|"
                           r"equals|equal)\b", re.I)


# the inner words of a hyphened compound after "no" ("no-added-latency": "-added-")
_HYPHENED = re.compile(r"-(?:[a-z]{2,12}-){1,2}", re.I)
# a phrase of setting after what "without" names ("without DQ at block size 64")
_SETTING_AFTER_WITHOUT = re.compile(r"^\s*[\w+-]+(?:\s+[\w+-]+){0,2}\s+(?:at|using)\s*$", re.I)


# a clause of reason or condition opened before a denial ("because it cannot ..."), and the
# subject of the main clause at the end of the words between it and the trigger (no comma)
_REASON_OPEN = re.compile(r"\b(?:because|since|as|if|when|once|although|though)\s+"
                          r"(?:[\w'-]+\s+){0,3}$", re.I)
# (with its verb, "... W0 it adds [latency]")
_SUBJECT_AT_END = re.compile(r"\w\s+(?:(?:it|this)(?:\s+[a-z]{2,}s)?|(?:they|we|you)(?:\s+(?:"
                             r"add|have|run|cost|need|keep|stay|remain|get|make|incur|slow))?)"
                             r"\b\s*$", re.I)


# a denial inside a relative clause ("whose name does not contain lora_"), then the main clause's
# modal ("should report requires_grad=False")
_RELATIVE_BEFORE = re.compile(r"\b(?:whose|who|which|that)\b[^,;:.]{0,40}$", re.I)
_MAIN_MODAL = re.compile(r"\b(?:should|must|will|would|shall)\b", re.I)
# ... a relative pronoun right before the denial ("every parameter that isn't a lora_A weight"),
# then the main clause's verb ("has requires_grad=False")
_RELATIVE_DENIES = re.compile(r"\b(?:that|which|who)\s+(?:(?:is|are|was|were|does|do|did|has|"
                              r"have|had)\s*)?$", re.I)
_MAIN_VERB = re.compile(r"\b(?:has|have|is|are|gets|get|keeps|keep|stays|stay|remains|remain|"
                        r"reports|report|shows|show)\b", re.I)


# a clause of its own about what is left, after "and": "... and only the adapters are trained"
_AND_BEFORE = re.compile(r"\band\s+$", re.I)
_VERB_AT = re.compile(r"(?:runs|is|are|has|have|matches|keeps|stays|remains|behaves|works|"
                      r"gives|produces|returns|costs|takes|needs|uses|adds|performs|serves|"
                      r"multiplies|divides|doubles|halves|changes|makes|grows|shrinks|cuts)\b",
                      re.I)
_AND_VERB = re.compile(r"\band\s+" + _VERB_AT.pattern, re.I)
_NEXT_ITEM = re.compile(r"\band\s|\s/\s", re.I)
_AND_DETERMINER = re.compile(r"\band\s+(?:the|a|an|its|their|[\w.-]{1,30}'s)\s", re.I)
_ONLY_AT = re.compile(r"(?:only|just|solely)\s+(?:the|their|its|LoRA'?s?|A|B)\b", re.I)


# Where a negation's scope ends: punctuation that closes a clause, and contrast/relative words.
_END = re.compile(r"[;:!?()]|\.(?![\w])|,(?!\d{3}\b)| - |"
                  r"\b(?:but|however|although|though|whereas|while|yet|which|"
                  r"who|whose|because|bc|b/c|cuz|since|so|and then|except|unlike|instead|only if|"
                  r"only when|"
                  # a time clause after the denial ("avoids latency once BA is merged"): what
                  # it says happens is not denied
                  r"once)\b"
                  # a second verb of the same subject: "should not share a rate and sets ..."
                  r"|\band\s+(?:also\s+)?(?!(?:is|was|has|does|gets|goes|its|was|this|thus|"
                  r"less|loss|bias|class|pass|process|access)\s)[a-z]{2,}[^s\W]s\s",
                  re.I)
_DENIAL = re.compile(
    r"^\s*(?:contrary to (?:popular|common) belief,?\s*|"
    # an imperative that warns off a run ("[ ] Do not launch full fine-tuning of 7B on a single
    # 80 GB card: ..."): the run it names is denied, up to the clause's end
    r"\W{0,6}(?:do\s+not|don't|never)\s+(?=(?:launch|run|try|attempt|start|plan)\s)|"
    # "We disagree that our baseline is latency-free": what is disagreed with is denied
    r"(?:we|I)\s+(?:strongly\s+|respectfully\s+)?disagree\s+(?:with\s+(?:the\s+)?(?:claim|idea|"
    r"view|statement)\s+)?that\s+|"
    r"(?:it\s+is|it's|it\s+was|it\s+isn't|it\s+isnt)\s+(?:simply\s+|also\s+)?"
    r"(?:(?:not\s+)?(?:true|the\s+case|correct)(?<!\bis\strue)(?<!\bis\sthe\scase)"
    r"(?<!\bis\scorrect)|"
    r"false|untrue|a\s+(?:common\s+)?(?:myth|misconception|mistake)|wrong|incorrect)\s+"
    r"(?:to\s+(?:say|claim|think|assume)\s+)?that\s+|"
    # (an entry's label: "Default alpha: ...", a glossary term: "Which one is zero - ...")
    r"(?:[\w/+-]{1,20}(?:\s[\w/+-]{1,20}){0,3}(?::|\s-)\s+)?"
    r"(?:an?\s+|one\s+|another\s+|the\s+)?(?:common\s+|popular\s+|widespread\s+|frequent\s+|"
    r"typical\s+|classic\s+|persistent\s+)?(?:myth|misconception|"
    r"belief|misunderstanding|misreading|mistake)(?:\s*(?:#|no\.?\s*)?\d{1,2}|\s+(?:one|two|three|four|five|"
    r"six|seven|eight|nine|ten))?\s*"  # ("Myth 5: ...", "Myth two is that ...")
    # ("a common misconception we will take apart in week 4 is that ...")
    r"(?:(?:(?!(?:is|that)\b)[\w'-]+\s+){1,8}?(?=is\s+that\b))?"
    # ("Common misconception for section 3: ...": a few words of where it is, then its colon)
    r"(?:(?:for|in|from|about|on|of)\s+(?:[\w'-]+\s+){0,2}?[\w'-]+\s*(?=:))?"
    # ("a frequent mistake is assuming ...", "a common myth says ...")
    r"(?:(?:is|:)\s*(?:(?:assuming|thinking|believing|to\s+(?:assume|think|believe))\s+)?|"
    r"(?:says|holds|goes|claims|has\s+it)\s+)(?:that\s+)?|"
    # "don't trust / believe posts saying that ...", "ignore claims that ...", "beware of
    # guides claiming ...": what they report is denied
    r"(?:(?:don't|do\s+not|never)\s+(?:trust|believe)|ignore|beware\s+of|be\s+wary\s+of)\s+"
    r"(?:the\s+|any\s+)?(?:[\w-]+\s+){0,2}?(?:posts?|claims?|guides?|tutorials?|advice|people|"
    r"articles?|blogs?|answers?|threads?|anyone|sources?)\s+(?:that\s+|who\s+)?(?:say(?:s|ing)?|"
    r"claim(?:s|ing)?|tell(?:s|ing)?\s+you|suggest(?:s|ing)?|stat(?:e|es|ing))\s+(?:that\s+)?|"
    # "(label:) Reports that set_adapter() reloads the base are invalid; ...": what the reports
    # say, given its verdict after it in the same clause
    # (or with whose it was: "the design doc's assumption that ... was wrong")
    r"(?:[\w/+-]{1,30}:\s+)?(?:reports?|claims?|complaints?|assertions?|(?:the|a|an|our|their|"
    # ("a colleague's rule of thumb, that ..., was off by a factor of two")
    r"this|that)\s+(?:[\w'\u2019-]+\s+){0,3}?(?:assumption|premise|statement|rule\s+of\s+thumb|"
    r"estimate|guess)|the\s+(?:idea|notion|belief|claim|assumption))\s*,?\s+that\s+(?=[^;.]{3,200}?"
    r"\s(?:is|are|was|were|turned\s+out\s+to\s+be|proved(?:\s+to\s+be)?)\s+(?:\w+\s+)?"
    r"(?:invalid|wrong|false|incorrect|mistaken|untrue|unfounded|bogus|not\s+true|a\s+myth|"
    r"off\s+by|overstated|understated|exaggerated)\b)|"
    # "(label:) A merged model that is slower than the base is a bug": what the relative clause
    # says should not happen
    r"(?:[\w/+-]{1,30}:\s+)?(?:an?|the|any)\s+(?:[\w-]+\s+){0,3}?(?:that|which)\s+(?=[^;.,]{3,120}?"
    r"\s(?:is|are)\s+(?:a\s+|always\s+a\s+)?(?:bug|regression|misconfiguration)\b))",
    re.I)
SCOPE_WORDS = 7
# how far a denial reaches to deny a "without" after its verb phrase
_WITHOUT_SCOPE_WORDS = 12
# A negated clause that has had its verb, then "and": what follows is a clause of its own ("no
# adapter computation happens at inference and latency is the same").
_VERB_THEN_AND = re.compile(
    r"\bbe\s+\w+(?:ed|en)\b[^,;]{0,40}?\band\b|"  # "cannot be merged and add latency"
    r"\b(?:is|are|was|were|has|have|had|happens|happened|occurs|occurred|runs|ran|takes|took|"
    r"gets|got|goes|went|changes|changed|remains|remained|stays|stayed|exists|existed|applies|"
    r"applied|matters|mattered)\b[^,;]{0,60}?\band\b", re.I)


def denial_prefix(text: str) -> int:
    """Length of an opening that denies the rest of the sentence ('It is not true that '), else
    0."""
    m = _DENIAL.match(text)
    return m.end() if m else 0


_CLAUSE_END = re.compile(r"[;:]|\s-\s|\.\s|[.!?][\"'\u201d\u2019]\s|"
                         r"\b(?:but|however|instead|in fact|actually)\b|"
                         r",\s*(?:since|because|as|so)\b", re.I)  # (a reason given after it)


def denial_end(text: str, start: int) -> int:
    """Where a sentence-level denial that opens at `start` stops: the end of its clause ('It is
    a myth that LoRA retrains W: the weights are left alone' denies only the first part)."""
    m = _CLAUSE_END.search(text, start)
    return m.start() if m else len(text)


_INNER_BREAK = re.compile(r"[,;:]")
# a subject or a finite verb after "unlike <name>": the clause it is set against has begun
_CLAUSE_AFTER_NP = re.compile(r"\b(?:they|it|we|you|this|these|those|he|she|is|are|was|were|"
                              r"adds?|has|have|does|do|can|cannot|will|needs?)\b", re.I)


# A clause that denies the one before it by ellipsis: "QLoRA keeps the adapters in 4-bit too;
# it doesn't, they are trained in 16-bit", "..., but that isn't so".
_ELLIPTIC_DENIAL = re.compile(
    # (or the next sentence: "We still hear that merged models decode slower. They don't; ...")
    # (in a lower-case post too: "... adds latency. it doesn't??")
    r"[^;.!?]{0,120}?(?:[;,]|\.(?=\s+(?:[A-Z]|(?:it|that|this|they)\s)))\s*(?:but\s+)?"
    r"(?:it|that|this|they)\s+"
    r"(?:doesn't|does not|don't|do not|"
    r"isn't|is not|aren't|are not|can't|cannot|won't|will not)(?:\s+so)?"
    # (the end of a post: "..., it isn't #PEFT")
    r"(?=\s*[,.;:!?]|\s*$|\s+[-\u2013\u2014]{1,2}\s|\s+#\w)|"
    # "... - that was the claim in the proposal, and it is wrong", "..., which is false"
    r"[^;.!?]{0,160}?(?:[;,]|\s-\s)\s*(?:(?:that|this)\s+(?:was|is)\s+(?:[\w'-]+,?\s+){0,8}?"
    # ("says DoRA can't be merged; that's wrong", "..., but that's false")
    r"(?:and|but)\s+(?:it|that|this)\s+(?:is|was)|(?:(?:but|and)\s+)?(?:which\s+is|that\s+is|"
    r"that's|that\s+was|this\s+is))\s+(?:simply\s+|just\s+|plainly\s+|completely\s+|"
    r"flat\s+|dead\s+|total\s+|utter\s+|complete\s+)?(?:wrong|false|incorrect|untrue|"
    r"not\s+true|nonsense|bogus|rubbish|a\s+myth|backwards|back\s+to\s+front|reversed|"
    r"the\s+wrong\s+way\s+a?round|the\s+other\s+way\s+a?round)\b|"
    # a statement given its verdict after a colon or a dash, as a myths list does ("LoRA always
    # adds inference latency: False.", "... - myth")
    r"[^;.!?:]{0,160}?(?::|\s[-\u2013\u2014]{1,2}\s)\s*(?:\*\*)?(?:false|a\s+myth|myth|wrong|"
    r"incorrect|untrue|not\s+true|busted|nope)(?:\*\*)?\s*(?:[.!,;(]|\s[-\u2013\u2014]|$|"
    r"\s+(?:because|since|as|once)\b)|"
    # ... or answered with the setting in which it fails ("LoRA always slows inference down:
    # not if you merge")
    r"[^;.!?:]{0,160}?(?::|\s[-\u2013\u2014]{1,2}\s)\s*not\s+(?:if|when|once|after)\b|"
    # "..., and that assertion turned out to be wrong", "..., which contradicts the paper"
    r"[^;.!?]{0,200}?[;,]\s*(?:and|but)\s+(?:that|this|the)\s+(?:assertion|claim|statement|"
    r"assumption|idea|figure|number|belief)\s+(?:(?:later\s+)?turned\s+out\s+(?:to\s+be\s+)?|"
    r"proved\s+(?:to\s+be\s+)?|is|was|has\s+(?:since\s+)?been\s+shown\s+to\s+be\s+)\s*"
    r"(?:simply\s+|just\s+|plainly\s+|completely\s+)?(?:wrong|false|incorrect|untrue|"
    r"not\s+true|mistaken)\b|"
    # "...; the rest is right, but they have A and B the wrong way round": what was said is
    # swapped
    r"[^.!?]{0,200}?(?:[;,]|\s-\s)\s*(?:but\s+)?(?:they|it|he|she|you|the\s+\w+)\s+"
    r"(?:have|has|had|got|get)\s+(?:[\w'-]+\s+){0,4}?(?:the\s+wrong\s+way\s+a?round|"
    r"backwards|reversed|swapped|mixed\s+up)\W{0,3}$|"
    r"[^;.!?]{0,200}?,\s*which\s+(?:directly\s+|flatly\s+)?contradicts\s+(?:the\s+|its\s+)?"
    r"(?:[\w+-]+\s+){0,3}?(?:paper|docs?|documentation|code|source|authors?|results?|"
    r"evidence|measurements?)\b",
    re.I)


def elliptic_denial(text: str, end: int) -> bool:
    """Whether the clause after a trigger ending at `end` denies it by ellipsis ("...; it
    doesn't")."""
    return bool(_ELLIPTIC_DENIAL.match(text, end))


def negated(text: str, start: int, end: int, origin: int = 0) -> bool:
    """Whether the trigger at `start`..`end` lies in the scope of a negation cue that begins
    after `origin` (trigger words never contain negation: it is read here, once), or in a
    clause the next one denies by ellipsis ("...; it doesn't"); a trigger with "-free" after
    it ("latency-free") is denied by it."""
    return bool(_ELLIPTIC_DENIAL.match(text, end)) != _negated_here(text, start, end, origin)


def _negated_here(text: str, start: int, end: int, origin: int) -> bool:
    """`negated` without a later clause's ellipsis."""
    if text[end:end + 5].lower() == "-free":
        return not _negated(text, start, end, origin)
    cost = _COST_WORDS.search(text, start, end)
    if (spared := _SPARED_BEFORE.search(text, max(origin, start - 30), start)) \
            and _KEEPING_AT.match(text, start):
        # "saves loading twenty copies of the model": the loading is what is spared, unless
        # the sparing verb is itself denied ("doesn't avoid copying the base"; "avoids" is a
        # denial of its own, so the words before it are asked)
        return not _negated(text, spared.start(), spared.start(), origin)
    if _IMPOSSIBLE_AFTER.match(text, end) or _NONE_ANSWER.match(text, end) or cost and (
            _GONE_AFTER.match(text, end) or _NONE_COST_ANSWER.match(text, end)
            or _TAKEN_BEFORE.search(text, max(origin, start - 40), start)
            and _OUT_AFTER.match(text, end)
            or _TAKEN_AWAY_BEFORE.search(text, max(origin, start - 40), start)):
        return not _negated(text, start, end, origin)
    return _negated(text, start, end, origin)


# a verb that spares what follows it ("saves loading twenty copies", "avoids reloading the
# base"), before a trigger that names keeping, loading or copying the model
_SPARED_BEFORE = re.compile(r"\b(?:saves?|saving|avoids?|avoiding|spares?|sparing|skips?|"
                            r"skipping)\s+(?:you\s+|us\s+|them\s+)?(?:from\s+)?$", re.I)
# (not "saves reloading the base": that cue is hot-swapping's own, read with "saves")
_KEEPING_AT = re.compile(r"(?:load|keep|hold|stor|copy|copi|duplicat|clon)\w*", re.I)


# a cost taken out ("takes the extra low-rank products out of the forward pass")
_TAKEN_BEFORE = re.compile(r"\b(?:tak(?:e|es|ing|en)|took|strip(?:s|ped|ping)?)\s+"
                           r"(?:[\w'-]+\s+){0,3}?$", re.I)
# ... with the particle first: "takes away the extra low-rank products", "strips out the overhead"
_TAKEN_AWAY_BEFORE = re.compile(r"\b(?:tak(?:e|es|ing|en)|took|strip(?:s|ped|ping)?|cut(?:s|ting)?)"
                                r"\s+(?:away|out|off)\s+(?:[\w'-]+\s+){0,3}?$", re.I)
_OUT_AFTER = re.compile(r"(?:\s+[\w'-]+){0,3}?\s+(?:out\s+of\s+(?:the\s+|every\s+|each\s+)?"
                        r"(?:forward|backward|compute|computation|inference|serving|hot|critical|"
                        r"path|graph|pass|picture|loop)(?![\w\s-]{0,12}\bbudgets?\b)|away)\b", re.I)


# A cell or a label answered "none" or "no" ("Merged LoRA | added latency vs. base | none",
# "Extra latency: none"): the answer denies what the row or the label names
# ("Latency of merged LoRA: none added versus the base model": the answer may say what it is
# set against)
# (the label does not run past a sentence's end: "... small overhead. Merged: none." answers
# another label)
# (a list of answers names each item with its setting: "Added latency: LoRA (merged) none, ...")
_ANSWER = (r"(?:[^|:=\u2014\u2013>;.]|\.(?!\s)|(?<=\bvs)\.){0,30}?\s*(?:\||:|=|\u2014|\u2013|->|"
           r"\u2192)\s*(?:[\w+.-]{1,20}\s*\([^()|:;]{1,20}\)\s*)?"
           r"(?:none|no|nil|nothing|zero)(?:\s+(?:added|extra|at\s+all))?"
           r"(?:\s+(?:versus|vs\.?|compared\s+(?:with|to)|over|against|"
           r"relative\s+to)\s+[^|.;:]{1,40})?")
_NONE_ANSWER = re.compile(_ANSWER + r"\s*[.!]?\s*(?:\||$)", re.I)
# A cost answered so inside a sentence, with when it holds or why ("added inference latency:
# none once merged, since ..."); not with an exception ("none, unless ...")
_NONE_COST_ANSWER = re.compile(
    _ANSWER + r"(?:\s+(?:once|when|after|if|with|in|at|for)\s+[^|.;:,]{1,40}?)?"
    r"(?:\s*[,;(](?!\s*(?:unless|except|but|save|only)\b)|\s+(?:since|because)\b)", re.I)


# what the trigger names said right after it to be out of reach ("batching different adapters
# in one pass is no longer straightforward", "... is not possible", "so a single 80 GB card is
# out.")
_IMPOSSIBLE_AFTER = re.compile(r"(?:\s+(?!(?:is|are|not|no|never)\b)[\w-]+){0,2}?\s+"
                               r"(?:is|are|was|were|becomes?|gets?)\s+(?:(?:no\s+longer|not|never)\s+"
                               r"(?:(?:so|really|quite|very|as)\s+)?(?:straightforward|possible|"
                               r"supported|allowed|feasible|an\s+option|simple|trivial)|"
                               r"(?:simply\s+|just\s+|still\s+|always\s+)?(?:impossible|infeasible|"
                               r"unsupported|hopeless|a\s+non-?starter|out\s+of\s+the\s+question|"
                               r"a\s+no-?go|a\s+lost\s+cause|out(?=\s*(?:[.;,]|$))))\b", re.I)


# Words said after a cost they deny: "the latency is gone", "the overhead disappears once
# merged" (of a cost only: "Delta W = BA vanishes" says it is zero, not that it is not BA)
_COST_WORDS = re.compile(r"latency|overhead|cost|penalt|slow|delay|extra|additional|matmul|memory",
                         re.I)
# ("latency that never goes away": the going away is denied, the cost is not)
_GONE_AFTER = re.compile(r"\s+(?:(?!(?:never|not|no|hardly|cannot|can't|won't|can)\b)[\w-]+\s+)"
                         r"{0,2}?"
                         r"(?:(?:is|are|was|were|gets?|got)\s+)?(?:gone|"
                         r"eliminated|removed|disappears?|disappeared|vanish(?:es|ed)?|negligible|"
                         r"insignificant|"
                         r"go(?:es)? away|went away|drops? to zero|falls? to zero)\b", re.I)


_NOT_EVEN = re.compile(r"not\s+even\s", re.I)


def _negated(text: str, start: int, end: int, origin: int, scope: int = SCOPE_WORDS) -> bool:
    window_start = max(origin, start - 100)
    last = None
    for m in _CUE.finditer(text, window_start, end):
        last = m
    if last is None:
        return False
    if last.start() >= start and _INNER_BREAK.search(text, last.end(), end):
        return False  # "merging: no wrappers left, same outputs": a clause of its own
    if last.start() >= start and last.group(0).lower() == "without" \
            and _FINITE.search(text, last.end(), end):
        return False  # "doubling the rank without touching alpha would halve it": an adjunct
        # inside the trigger's words, ended by the verb
    if last.start() >= start and last.group(0).lower() in ("no", "zero", "0", "nothing") \
            and _AND_DETERMINER.search(text, last.end(), end):
        return False  # "merged = zero extra latency and the same shape": its own noun phrase
    if text[last.end():last.end() + 1] == "-":
        if start > last.end() + 1 and not _HYPHENED.fullmatch(text, last.end(), start):
            return False  # "the no-latency result needs BA folded in": "no-" denies its own word
            # (the words of a compound, "no-added-latency", are all its own)
        # "zero-latency" denies its word, and is itself denied in "is not zero-latency"
        return not _negated(text, last.start(), last.start(), origin)
    if _MANNER.match(text, last.end()):
        return False
    if last.group(0).lower() == "no" \
            and text[max(0, last.start() - 2):last.start()] in (", ", "/ ") \
            and _NEXT_ITEM.search(text, last.end(), max(last.end(), start)):
        return False  # "gives you FP4, no double quantization and float32 compute", "fp4 / no
        # double quant / fp32 compute": "no" is one item of a list, the next item is not denied
    between = text[last.end():max(last.end(), start)]
    if _END.search(between) or _VERB_THEN_AND.search(between) or _NEW_SUBJECT.search(between):
        return False
    if _AND_AT_END.search(between) and _SUBJECT_VERB.match(text, start):
        return False  # "there is no extra layer at inference and latency matches the base": the
        # words after "and" are a clause of their own, with its subject and verb
    if _SUBJECT_AT_END.search(between) and _REASON_OPEN.search(
            text, max(origin, last.start() - 40), last.start()):
        return False  # "because it cannot be folded into W0 it adds latency": the denial is the
        # reason clause's, and the main clause has begun with its own subject
    if _AND_BEFORE.search(between) and _ONLY_AT.match(text, start):
        return False  # "receive no updates and only the A and B factors are trained"
    if last.group(0).lower() in ("no", "zero", "0", "nothing") \
            and _AND_DETERMINER.search(between):
        return False  # "zero extra latency and the exact same shape": a noun phrase of its own
    if last.group(0).lower() in ("no", "nothing") and (
            _AND_BEFORE.search(between) and _VERB_AT.match(text, start)
            or _AND_VERB.search(between)):
        return False  # "has no extra modules and runs at the speed of the base": "no" denies
        # its noun ("changes nothing at r=1 and multiplies ...": its object); the verb after
        # "and" opens a predicate of its own
    if _MAIN_MODAL.search(between) and _RELATIVE_BEFORE.search(text, max(origin, last.start() - 40),
                                                              last.start()):
        return False  # "every parameter whose name does not contain lora_ should report
        # requires_grad=False": the denial is the relative clause's
    if _MAIN_VERB.search(between) and _RELATIVE_DENIES.search(
            text, max(origin, last.start() - 12), last.start()):
        return False  # "every parameter that isn't a lora_A or lora_B weight has
        # requires_grad=False": the denial is the relative clause's, and the main clause's verb
        # follows it
    if len(between.split()) > scope + (5 if _NOT_EVEN.match(text, last.start()) else 0):
        return False  # ("not even the base model's bias terms or norm weights receive ...": the
        # denied subject is a noun phrase before its verb)
    if last.group(0).lower() == "unlike" and _CLAUSE_AFTER_NP.search(between):
        return False  # "unlike LoRA they add latency": the phrase is over, its clause is not
        # denied
    if last.group(0).lower() == "without" and _SETTING_AFTER_WITHOUT.search(between):
        return False  # "~4.5 bits without DQ at block size 64": the setting is a phrase of its
        # own, not what is done without
    if last.group(0).lower() == "without" and (_FINITE.search(between) or between.strip()
                                               and _FINITE.match(text, start)):
        return False  # "without double quant NF4 is 4.5 bits": the adjunct ends at the verb
        # (which may open the trigger's words: "NF4 without double quantization came to 3.8 GB")
    head = last.start()
    if last.group(0).lower() == "nor":  # "that sets neither r nor alpha ends up ...": from
        head = text.rfind("neither", max(origin, head - 60), head)  # the "neither" it pairs
    if last.group(0).lower() in ("neither", "nor", "none", "nothing") and head >= 0 \
            and _RELATIVE_OPEN.search(text, max(origin, head - 40), head) \
            and (_FINITE.search(between) or _ENDS_UP.search(between)):
        return False  # "a config that sets neither ends up with a scale of 1": the object of
        # the relative clause, whose verb ends its scope
    opens = text[origin:last.start()]  # (at the start, or after a speaker's "name:")
    if last.group(0).lower() == "without" and (not opens.strip(" \t*-\"'(")
                                               or re.search(r"[:;\u2014]\s*$", opens)
                                               or _CLAUSE_LINK.search(opens)) \
            and (_FINITE.search(text, last.end(), end + _VERB_AFTER)
                 or _MAIN_AFTER_COMMA.match(text, end)):
        # "Without the copies the adapter is 81 MB": an opening adjunct, then the main clause,
        # whose verb is in the trigger's words or just after them (or after the adjunct's
        # comma: "so without a set_adapter call per request, tenant B's traffic ran ...")
        return False
    if _SUBORDINATE.search(between):
        return False  # "adds no inference latency when deployed with the update folded into
        # the weights": the denial is the main clause's; the "when" clause states its setting
    if _WHEN_BEFORE.search(between):
        return False  # "costs nothing extra after merge_and_unload()": when, not what is denied
    if last.group(0).lower() == "not" and _ARTICLE_ONLY.fullmatch(between) \
            and _CHOICE_AFTER.match(text, end):
        return False  # "merged into the bf16 base (not the 4-bit one)": which of two copies,
        # not a denial of the width
    if _LIKE_BEFORE.search(between):
        return False  # "drops by half, not by 4x like with plain alpha/r": what the denied
        # amount is likened to is named, not denied
    if _FACTIVE.search(between):
        return False  # "without explaining why B starts at zero": the reason is not given,
        # what it is the reason for is taken as true
    if (handled := _HANDLED.match(between)) and _AMOUNT.match(text, last.end() + handled.start(
            "amount")):
        return False  # "without downloading 14 GB of weights", "never had to store its 26 GB":
        # the amount is what is (not) moved or kept, taken as given, not denied
    # "cannot switch adapters without reloading the base": the reload is needed, not denied
    # (a denial of a "without"; the verb phrase the denial spans may be two joined by "or":
    # "couldn't switch it off or swap another in without reloading")
    return not (last.group(0).lower() == "without"
                and _negated(text, last.start(), last.start(), origin, _WITHOUT_SCOPE_WORDS))


def handled_amount(text: str, start: int) -> bool:
    """Whether the amount at `start` is the object of a verb of moving or keeping data ("does
    not require reloading the 16 GB of base weights", "never need a private 16 GB copy"): a
    denial of that verb leaves the amount as given."""
    return bool(_HANDLED.search(text, max(0, start - 60), start))


def negated_in_clause(text: str, start: int, end: int, origin: int = 0) -> bool:
    """Whether the clause around a noun-phrase trigger ('a single consumer GPU ... cannot
    fine-tune') carries a negation of its verb: a cue before it in scope, or one after it in
    the same clause within a few words; a later clause that calls it false ("add no compute
    ... - that claim is wrong") turns that round."""
    return bool(_ELLIPTIC_DENIAL.match(text, end)) != _clause_negated(text, start, end, origin)


def _clause_negated(text: str, start: int, end: int, origin: int) -> bool:
    if _negated_here(text, start, end, origin):
        return True
    if _REFUSES_BEFORE.search(text, max(origin, start - 40), start):
        return True  # "PEFT refuses mixed-adapter batches while ...": the phrase is refused
    after = text[end:end + 80]
    # (the card's own memory said after it is part of the phrase: "on a card with 12 GB it
    # does not fit")
    after = after[m.end():] if (m := _CARD_MEMORY.match(after)) else after
    # (a fronted phrase, then its main clause: "On a card with 24 GB, the 13B model in fp16
    # does not fit": the clause's subject comes between)
    fronted = re.match(r"\s*,", after) and not text[origin:start].strip(" \t*-\"'(")
    after = after[after.index(",") + 1:] if fronted else after
    stop = _END.search(after)
    after = after[:stop.start()] if stop else after
    # (a negation of the clause's verb: "... GPU cannot fine-tune"; "without" after the phrase
    # opens an adjunct, "on one GPU without losing quality")
    m = next((c for c in _CUE.finditer(after) if not _ADJUNCT_CUE.fullmatch(c.group(0))), None)
    if m and _NOT_REMOVED.match(after, m.end()):
        m = None  # "their added latency cannot be removed by merging": the cost stays
    m = m or _STOPS_AFTER.search(after)  # ("mixed-adapter batches stop working once merged")
    return bool(m) and len(after[:m.start()].split()) <= (5 if fronted else 3)


# a card's memory right after it: "with 12 GB", "of 24 GB VRAM", "(80 GB)"
_CARD_MEMORY = re.compile(r"\s*(?:(?:with|of|having)\s+|\(\s*)(?:only\s+|just\s+)?\d[\d.]*\s*"
                          r"(?:GB|GiB)\b(?:\s+(?:of\s+)?(?:VRAM|memory|GPU\s+memory))?\s*\)?",
                          re.I)


# a cost said not to go away: "... cannot be removed", "... can't be merged away"
_NOT_REMOVED = re.compile(r"\s*(?:be\s+|get\s+)?(?:remov|eliminat|avoid|hidden|hid\b|merged\s+away|"
                          r"folded\s+away|gotten\s+rid|got\s+rid|optimi[sz]ed\s+away)", re.I)


# A verb of refusal with the phrase as its object: "refuses mixed-adapter batches", "rejects
# adapter_names"
_REFUSES_BEFORE = re.compile(r"\b(?:refuses?|refused|rejects?|rejected|disallows?|disallowed|"
                             r"forbids?|forbade|blocks?|blocked)\s+(?:the\s+|any\s+|all\s+)?"
                             r"(?:[\w-]+\s+){0,1}$", re.I)


# A verb that says what the phrase names ceases or fails: "... stop working", "... raises an
# error"
_STOPS_AFTER = re.compile(r"\b(?:stop(?:s|ped)?\s+working|ceases?\s+to\s+work|fail(?:s|ed)?\s+"
                          r"(?:to\s+work|outright)|(?:break|breaks|broke)\s+down|"
                          r"(?:raises?|raised|throws?|threw)\s+(?:an?\s+)?(?:error|exception)|"
                          r"errors?\s+out)\b", re.I)


# A trigger that is the object of a time adjunct ("... after merge_and_unload()", "once
# merged"): the negation before it denies the clause's verb, not the adjunct
_SUBORDINATE = re.compile(r"\s(?:when|whenever|once|because|since|provided|if)\s+\w", re.I)
_WHEN_BEFORE = re.compile(r"\b(?:after|once|following|upon)\s+(?:(?:the|a|an|it|its|calling|"
                          r"running|a\s+call\s+to)\s+){0,2}$", re.I)


# A verb whose clause is taken as true, then its clause: "without explaining why", "don't know
# that", "never noticed how" deny the explaining or the knowing, not what follows (a verb of
# saying, "does not mean that", is left out: what it reports is neither said nor denied)
_FACTIVE = re.compile(r"\b(?:explain\w*|know\w*|knew|understand\w*|understood|realis\w*|"
                      r"realiz\w*|notic\w*|remember\w*|forg[eo]t\w*|appreciat\w*)\s+"
                      r"(?:\w+\s+)?(?:why|how|that|whether)\b", re.I)


# "not the 4-bit one": a choice between two copies, the trigger naming the one not chosen
_ARTICLE_ONLY = re.compile(r"\s+(?:the|a|an)\s+", re.I)
_CHOICE_AFTER = re.compile(r"\s*(?:one|ones|copy|version|variant)\b", re.I)
# A likeness named right before the trigger: "not by 4x like with plain alpha/r"
_LIKE_BEFORE = re.compile(r"\b(?:like|as\s+(?:with|in|under|for))\s+(?:with\s+|in\s+|under\s+)?"
                          r"(?:the\s+)?(?:[\w-]+\s+)?$", re.I)
# A verb of moving or keeping data right before the amount it takes as its object, after a
# denial ("without downloading", "never had to store"): the amount is taken as given
# ("does not require reloading the 16 GB of base weights"; "never need a private 16 GB copy")
_HANDLED = re.compile(r"\s*(?:(?:(?:had|have|has|need|needs|needed|having)\s+to\s+|(?:require[sd]?|"
                      r"requiring|involves?|means?|needs?)\s+)?(?:re-?)?(?:download|"
                      r"stor|load|fetch|cop(?:y|ie)|ship|pull|transfer|upload|push|host|carr|"
                      r"touch|modif|alter|duplicat|replicat|clon)"
                      r"\w*\s+(?:(?:the|a|an|all|its|their|those|these|[\w-]+'s)\s+)?|"
                      r"(?:need|needs|needed|require[sd]?|get|gets|keep|keeps)\s+(?:a|an|their|its|"
                      r"your|one)\s+(?:(?:own|private|separate|dedicated|full|whole|extra)\s+){0,2})"
                      r"(?:about\s+|roughly\s+|some\s+|~\s*)?(?P<amount>[\d.,]*)$", re.I)
_AMOUNT = re.compile(r"\d[\d.,]*\s*(?:[KMGT]i?B|gigabytes?|megabytes?|bytes)\b", re.I)
# A relative clause opening right before "neither/none/nothing" ("a config that sets neither"),
# and the verbs that end it besides _FINITE's ("... ends up with a scale of 1")
_RELATIVE_OPEN = re.compile(r"\b(?:that|which|who)\s+(?:[\w-]+\s+){0,2}$", re.I)
_ENDS_UP = re.compile(r"\b(?:ends?\s+up|gets?|got|leads?\s+to|results?\s+in|yields?|produces?|"
                      r"sees?|shows?)\b", re.I)
# A finite verb after "without ...": the main clause has begun ("without merging the model is
# slower": the slowness is not denied)
# a clause's opening after a comma ("..., so without overriding it the matmuls ran in fp32")
_CLAUSE_LINK = re.compile(r",\s*(?:so|and|but|then|thus|hence|because|since|which\s+means)\s*$",
                          re.I)
_FINITE = re.compile(r"\b(?:is|are|was|were|costs?|takes?|needs?|uses?|has|have|gives?|"
                     r"stores?|requires?|becomes?|runs?|adds?|falls?|defaults?|computes?|picks?|"
                     r"keeps?|fits?|works?|gets?|stays?|remains?|"
                     # verbs of change, only as finite forms ("without it the base grows by")
                     r"grows|grew|rises|rose|drops|dropped|shrinks|shrank|increases|decreases|"
                     r"jumps|climbs|goes|went|comes|came|ran|"
                     # ("doubling the rank without touching alpha would halve it")
                     r"would|will|can|could|should|does|did)\b", re.I)


_VERB_AFTER = 12  # characters after a trigger where its clause's verb may stand
_MAIN_AFTER_COMMA = re.compile(r"[^,;.]{0,30},\s+(?:[\w'-]+\s+){1,4}?(?=" + _FINITE.pattern + ")",
                               re.I)


_ADJUNCT_CUE = re.compile(r"without|free of|(?:absence|lack) of|unlike|avoid\w*|eliminat\w*",
                          re.I)


_HIGHER = r"(?:higher|larger|bigger|greater|faster|more)"
_LOWER = r"(?:lower|smaller|less|slower|fewer)"
_COMPARE = re.compile(rf"\b(?P<more>{_HIGHER})\b|\b(?P<less>{_LOWER})\b", re.I)


# A possessive a few words before a comparative: "B's set about 16 times larger"
_OWNER_BEFORE = re.compile(r"(?-i:\b(?P<who>A|B|lora_A|lora_B))(?:'s|’s)\s+(?:[\w-]+\s+){0,4}$|"
                           # the one given the rate: "gives B a learning rate 16 times larger"
                           r"\b(?:gives?|giving|gave|assigns?|assigning|assigned)\s+(?:the\s+)?"
                           r"(?:matri(?:x|ces)\s+)?(?-i:\b(?P<to>A|B|lora_A|lora_B))\b"
                           r"(?:\s+matri(?:x|ces))?\s+(?:an?\s+|its\s+own\s+)?"
                           # (or the rate left to "one": "gives B a larger one")
                           r"(?:(?:learning[- ]rates?|lrs?|step[- ]sizes?)\s+(?:[\w-]+\s+){0,3})?$")


# the words between a comparative and the name that holds it: "a larger one for B", "higher
# rates to the B matrix" (no "than" between them)
_FOR_HOLDER = re.compile(r"\s+(?:(?!than\b)[\w-]+\s+){0,3}?(?:for|to|on)\s+(?:the\s+)?"
                         r"(?:matri(?:x|ces)\s+)?", re.I)


def comparison(text: str, first: str, second: str) -> str | None:
    """Direction of a comparison between two named things: '>' when `first` is said to have
    more ('B gets a higher rate than A', 'a higher rate for B than for A'), '<' for less, None
    if unsaid. `first` and `second` are regexes for the two names."""
    m = _COMPARE.search(text)
    # (the two named together, "same A and B", name neither as the one with more)
    paired = [x.span() for x in re.finditer(
        rf"(?:{first})\s*(?:and|or|&|/|,)\s*(?:the\s+)?(?:{second})|"
        rf"(?:{second})\s*(?:and|or|&|/|,)\s*(?:the\s+)?(?:{first})", text)]
    a = next((x for x in re.finditer(first, text)
              if not any(p <= x.start() < q for p, q in paired)), None)
    b = next((x for x in re.finditer(second, text)
              if not any(p <= x.start() < q for p, q in paired)), None)
    if m is not None and (a is None) != (b is None) and re.search(first, text) \
            and re.search(second, text):
        # one named alone, the other only in the pair ("same A and B; it trains B with a
        # larger rate", "A and B get rates, with B's 16 times larger"): the one named alone
        return (">" if m.group("more") is not None else "<") if a is not None else \
            ("<" if m.group("more") is not None else ">")
    if m is None or a is None or b is None:
        return None
    more = m.group("more") is not None
    later = a if a.start() > m.start() else b
    if (a.start() < m.start() < b.start() or b.start() < m.start() < a.start()) and \
            _FOR_HOLDER.fullmatch(text, m.end(), later.start()):
        # "one rate for A and a larger one for B": the comparative's own "for" names who has it
        holder_is_first = later is a
    elif a.start() < m.start() < b.start() or b.start() < m.start() < a.start():
        holder_is_first = a.start() < m.start()  # "B ... higher than A"
    elif a.start() < m.start() and b.start() < m.start() and (
            near := _OWNER_BEFORE.search(text, max(0, m.start() - 60), m.start())):
        # "rates for A and B, with B's set 16 times larger": the possessive just before it
        holder_is_first = re.fullmatch(first, near.group("who") or near.group("to")) is not None
    else:  # "a higher rate for B than (for) A" / "higher ... to B compared to A"
        after = [x for x in (a, b) if x.start() > m.start()] or [a, b]
        holder_is_first = min(after, key=lambda x: x.start()) is a
    return (">" if more else "<") if holder_is_first else ("<" if more else ">")


# Modality of a claim's verb. "can", "may", "could", "is possible" claim that the predicate
# holds in some setting; "always", "never", "cannot", "in every case" that it holds in all.
# "not always" / "not necessarily" deny a universal: that is a possibility again.
_EXISTENTIAL = re.compile(
    r"\bnot\s+(?:always|necessarily)\b|\b(?:can(?!not|['’]t)|could|(?:may|might)(?!\s+as\s+well)|(?<!\bnot\s)(?<!n't\s)possible|possibly|"
    r"(?:is|are|was|were)\s+able\s+to)\b(?!\s*(?:n't|not|no\s+longer|never)\b)", re.I)
# A modal governs its own clause: it ends at _END and at "that" ("we can see that X": the
# modal is the seeing's, not X's).
_MODAL_SCOPE = re.compile(rf"{_END.pattern}|\bthat\b", re.I)
_UNIVERSAL = re.compile(
    r"\b(?:always|never|cannot|can\s+not|can\s+no\s+longer|impossible|not\s+possible|necessarily|regardless|invariably|"
    r"in\s+(?:all|every|any)\s+cases?|no\s+matter|without\s+exception|every\s+time|"
    r"under\s+no\s+circumstances|(?:at|for|with|on)\s+(?:any|every|all)\s+(?:sequence|context|"
    r"batch|lengths?|ranks?)|whatever\s+the\s+(?:sequence|context|batch|length|rank))\b|\bcan't\b|"
    r"\bcan’t\b", re.I)
_MODAL_WORDS = 8


def modality(text: str, start: int, end: int) -> str:
    """'can' when a modal of possibility governs the words at `start`..`end` ('merging can
    introduce rounding'), 'all' when a universal does ('never adds latency', 'cannot be merged
    without loss'), '' otherwise. The modal must stand in the same clause, within a few words
    before the words, inside them, or among the three words after them."""
    clause = max((m.end() for m in _MODAL_SCOPE.finditer(text, max(0, start - 120), start)),
                 default=max(0, start - 120))
    # and a few words after them, in their clause ("Merging the adapter can change ...")
    stop = _MODAL_SCOPE.search(text, end, end + 40)
    tail = text[end:stop.start() if stop else end + 40]
    tail = tail[:len(" ".join(tail.split()[:3])) + (len(tail) - len(tail.lstrip()))]
    window = text[clause:end] + tail
    found = [(m.start(), "can", m.end()) for m in _EXISTENTIAL.finditer(window)]
    # ("always" inside "not always" is not a universal)
    found += [(m.start(), "all", m.end()) for m in _UNIVERSAL.finditer(window)
              if not any(k == "can" and a < m.start() < b for a, k, b in found)]
    found = [(at, kind, b) for at, kind, b in found
             if len(window[at:max(at, start - clause)].split()) <= _MODAL_WORDS]
    return max(found)[1] if found else ""
