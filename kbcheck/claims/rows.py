"""Table rows read cell by cell.

A row states one thing per cell about the thing its first cell names: `| Llama-3-8B | 21.0M |
41.9M |` under `| Model | r=8 | r=16 |` says that Llama-3-8B has 21.0M trainable parameters at
r=8, and 41.9M at r=16. Read whole, the row's numbers crowd into one frame; read a cell at a
time with the first cell, each number keeps its column's name. Cells without a number
(`Fits? yes`, `Mergeable: no`) and settings (`r 16`, `GPU 24 GB`) qualify every figure of the
row and go with each of them. A row whose figures are each of a different kind ("65,536
params; 0.39%") says one thing and is read whole.

The heading of the section the table stands under and its caption (or the short paragraph that
introduces it) say what the numbers are ("Trainable LoRA parameters by rank", "Does QLoRA
fit?", "All seven projections adapted"): they are read after each cell, as a parenthesis. A
heading with a year in it is a date line, not a description, and is left out.

A row that names a model, a fine-tuning method and a GPU's memory, and no verb for what the
GPU does ("| Hobby | 1x T4, 16 GB | 13B models with QLoRA |"), is a hardware table's: it is
read as saying the setting fits ("...; fits").

Yes/no cells become words the claim layer reads: `Fits? yes` is "Fits", `Fits? no` is
"not Fits", so the row denies what the column names; `Extra cost none once merged` is "no
Extra cost once merged". A bare size in the first cell
("13B") is a model's size ("a 13B model").

A table that compares methods column by column (`| | LoRA | Houlsby adapters |` over
`| Inference latency | none once merged | added latency |`) says each cell of the method its
column names: each cell is read alone, as "LoRA: no Inference latency once merged".

Every pattern is linear: anchored, with no nested repeats.
"""

from __future__ import annotations

import re

from kbcheck.claims.normalise import normalise
from kbcheck.claims.quantities import find_quantities
from kbcheck.claims.recognise import (
    Reading,
    find_methods,
    find_model,
    find_modules,
    model_size_spans,
    recognise,
)

_YES = frozenset(("yes", "y", "true", "✓", "✔", "✔️", "✅", "works", "supported", "fits"))
# (a dash is "not reported" in most tables, not "no")
_NO = frozenset(("no", "n", "false", "✗", "✘", "❌", "unsupported"))
# "Fits? yes", "Mergeable: no": a column's name and a yes/no cell
_YES_NO = re.compile(r"(?P<head>[^?:]{1,60}?)\s*[?:]?\s+(?P<cell>\S{1,11})\s*")
# "13B", "~6.7 B", "70B params": a model's size standing alone
# "Extra cost at inference none once merged": a column's name, then a cell that says none
_NONE = re.compile(r"(?P<head>[^?:]{1,60}?)[?:]?\s+(?:none|nothing|zero)\b(?P<rest>[^;]{0,80})",
                   re.I)
_BARE_NONE = re.compile(r"\s*(?:none|nothing|zero|0)\s*[.!]?\s*", re.I)
_NONE_CELL = re.compile(r"[^?:;]{1,60}?[?:]?\s+(?:none|nothing|zero)\s*[.!]?\s*", re.I)
_BARE_SIZE = re.compile(r"~?\s?(?:\d{1,4}(?:\.\d{1,2})?\s?(?:-|–|to)\s?)?"
                        r"\d{1,4}(?:\.\d{1,2})?\s?[BM](?:\s+param(?:eter)?s)?", re.I)
# A column of settings and its value: "r 16", "Rank 8", "Batch size 4", "Single GPU 24 GB"
_SETTING = re.compile(
    r"(?:r|rank|lora[_ ]r|lora[_ ]rank|alpha|lora[_ ]alpha|batch(?:[ _]size)?|bs|"
    r"seq(?:uence)?[ _]?len(?:gth)?|context(?: length)?|epochs?|steps|lr|learning rate|"
    r"(?:single |min(?:imum)? )?(?:gpus?|card|vram|hardware|device))"
    r"\s*[:=]?\s*~?[\w.,-]{1,12}(?:\s?(?:GB|GiB|x))?(?:\s*\([^()]{0,30}\))?", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NOT_REPORTED = re.compile(r"(?:^|\s)(?:not (?:reported|measured|given|stated|available|"
                           r"published|applicable)|n/?a|unknown|tbd|\?|[-\u2013\u2014])\s*$", re.I)
_CONTEXT_MAX = 240


def row_segments(cells: tuple[str, ...], context: str = "") -> list[str]:
    """The statements a row makes: for each figure, the first cell, that figure and the row's
    settings and cells without numbers, followed by the context; one statement when no two
    figures are of the same kind."""
    if not cells:
        return []
    first = cells[0]
    if _BARE_SIZE.fullmatch(first.strip()):
        first = f"a {first.strip()} model"
    compared = _compared(cells)
    if compared:
        return [f"{name}: {yes_no(f'{first} {rest}')}{f' ({context})' if context else ''}"
                for name, rest in compared]
    # "QLoRA not reported", "n/a": a cell that states nothing qualifies nothing
    said = [p for p in cells[1:] if not _NOT_REPORTED.search(p)]
    if said and all(_BARE_NONE.fullmatch(p) or _NONE_CELL.fullmatch(p) for p in said):
        # "| Extra latency once merged | none | none |", each cell maybe under its column's
        # name ("Basic (LoRA) none"): the row says its first cell is none, in every column
        return [yes_no(f"{first} none") + (f" ({context})" if context else "")]
    parts = [yes_no(p) for p in said]
    # a setting ("r 16", "Batch size 4", "GPU 24 GB") or a cell with no number qualifies the
    # row's figures; each other cell is a figure of its own
    figures = [p for p in parts if _unit(p) and not _SETTING.fullmatch(p)]
    if any(_unit(p) != "bits" for p in figures):
        # "Precision 16-bit" beside "Weights 13.5 GB": a width that qualifies the sizes
        figures = [p for p in figures if _unit(p) != "bits"]
    shared = [p for p in parts if p not in figures]
    tail = f" ({context})" if context else ""
    units = [_unit(p) for p in figures]
    fits = "; fits" if _implies_fit(" ".join((first, *parts, context))) else ""
    if len(set(units)) == len(units):  # one figure of each kind: one statement ("65,536
        # params, 0.39% of the matrix")
        return [first + (": " + "; ".join(parts) if parts else "") + fits + tail]
    return [f"{first}: " + "; ".join([p, *shared]) + fits + tail for p in figures]


# A row that pairs a model, a fine-tuning method and a GPU's memory ("| Hobby | 1x T4, 16 GB |
# 13B models with QLoRA |"): a hardware table, whose rows say the setting runs on that GPU
_GPU_NAMED = re.compile(r"\b(?:GPUs?|cards?|VRAM|A100|H100|H200|A6000|A10G?|L40S?|L4|T4|V100|"
                        r"RTX\s*\d{4}|3090|4090)\b", re.I)
_GB = re.compile(r"\b\d{1,3}(?:\.\d)?\s*(?:GB|GiB)\b")
_TUNED = re.compile(r"\b(?:q-?lora|lora|dora|fine-?tun\w*|finetun\w*|train\w*)\b", re.I)
_FIT_SAID = re.compile(r"\b(?:fits?|fitting|enough|suffices?|sufficient|needs?|needed|requires?|"
                       r"required|minimum|min\.?|at least|OOMs?|out of memory|too (?:big|large|"
                       r"small)|does ?n[o']t|not|cannot|can't|inference|serving)\b", re.I)


def _implies_fit(text: str) -> bool:
    """Whether a row names a model, a fine-tuning method and a GPU's memory, and nothing says
    what the GPU is for (a fit, a need, inference): such a row says the setting fits."""
    return bool(_GPU_NAMED.search(text) and _GB.search(text) and _TUNED.search(text)
                and (find_model(text) or model_size_spans(text))
                and not _FIT_SAID.search(text))


def _compared(cells: tuple[str, ...]) -> list[tuple[str, str]]:
    """A row of a table that compares methods column by column (`| Latency | LoRA none once
    merged | Houlsby adapters extra layers |`): each cell's method and the rest of the cell,
    when at least two cells each begin with a different method's name and not every cell is
    a figure; [] otherwise. A cell that states nothing ("n/a", "not reported") is left out."""
    found = []
    for cell in cells[1:]:
        named = find_methods(cell)
        if not named or named[0].span[0] != 0:
            return []
        end = named[0].span[1]
        found.append((named[0].id, cell[:end], cell[end:].strip()))
    if len(found) < 2 or len({m for m, _, _ in found}) < len(found):
        return []
    if all(_unit(rest) for _, _, rest in found if rest and not _NOT_REPORTED.search(rest)):
        # figures in every cell ("1.2 TB | 350 GB"): the row is read whole, so that the
        # figures can be set against each other
        return []
    return [(name, rest) for _, name, rest in found if rest and not _NOT_REPORTED.search(rest)]


def _unit(part: str) -> str:
    """The kind of the figure a cell states (bytes, a count, a share ...), '' when it states
    none: a rank or alpha setting, a note in parentheses ("(RTX 4090)"), a dtype's digits
    ("bf16") and a model's name ("Llama-3-8B") are not figures."""
    text = _NOT_FIGURE.sub(" ", normalise(part))
    # "Base model Llama-3-8B", "Phi-3-mini": a setting of the row; so are the modules ("all 7
    # linear", "Targets q, k, v, o")
    modules = find_modules(text)
    named = model_size_spans(text) + [find_model(text).get("span") or (0, 0)] + (
        [modules[1]] if modules else [])
    found = [q for q in find_quantities(text)
             if not any(q.span[0] < b and a < q.span[1] for a, b in named)]
    return found[-1].unit if found else ""


_NOT_FIGURE = re.compile(r"\([^()]*\)|\b(?:r|rank|alpha|lora_alpha)\s*[=:]?\s*\d+(?:\.\d+)?\b|"
                         r"\b(?:bf|fp|int|nf)\d{1,2}\b", re.I)


def row_context(caption: str, section: str | None) -> str:
    """What a row's numbers are about: its section's heading and its table's caption (or the
    line that introduces the table), each left out when it is long or dated."""
    parts = [p.strip().rstrip(":") for p in (section or "", caption) if p and p.strip()]
    return "; ".join(p for p in parts if len(p) <= _CONTEXT_MAX and not _YEAR.search(p))


def yes_no(part: str) -> str:
    none = _NONE.fullmatch(part)
    if none:  # "Extra cost at inference none once merged": no extra cost once merged
        return f"no {none.group('head')}{none.group('rest')}"
    m = _YES_NO.fullmatch(part)
    if not m:
        return part
    cell = m.group("cell").lower().rstrip(".!")
    if m.group("head").strip().lower() in ("default", "defaults", "default value"):
        # "default False" in a row of options: the option's default value, not a denial
        return f"defaults to {m.group('cell')}"
    if cell in _YES:
        return m.group("head")
    if cell in _NO:
        return "not " + m.group("head")
    return part


def recognise_row(cells: tuple[str, ...], context: str, default_subject: str = "lora"
                  ) -> Reading:
    """The frames of a table row: those of each statement it makes (`row_segments`), each
    once. `text` is the first statement (what an unpaired reason quotes)."""
    segments = row_segments(cells, context)
    frames, alternates, seen, reasons = [], [], set(), []
    tail = f" ({context})" if context else ""
    for segment in segments:
        reading = recognise(segment, default_subject)
        if not reading.frames:
            reasons.append(reading.reason)
        # what the context alone says ("embeddings and the LM head left alone" above a table
        # of counts) is how the row's figures were made, not a claim of the row's, when the
        # row's own cells state figures of their own
        own = (recognise(segment[:-len(tail)], default_subject).frames
               if tail and segment.endswith(tail) else ())
        said = {f.predicate for f in own if f.quantities}
        if said and not any(f.predicate in said for f in reading.frames):
            # the context's words took over what the row's own cells state ("NF4 taken as 0.5
            # bytes per parameter" in the caption): the row is read without them
            reading = recognise(segment[:-len(tail)], default_subject)
        # (what the row's own cells say, with figures or not: "bnb_4bit_quant_type | Default
        # nf4 | 4-bit NormalFloat" states a default beside its 4-bit figure)
        mine = {f.predicate for f in own}
        for frame, alts in zip(reading.frames, reading.alternates, strict=True):
            if said and frame.predicate not in mine:
                continue
            key = (frame.subject, frame.predicate, frame.polarity,
                   tuple(q.text for q in frame.quantities), repr(sorted(frame.conditions.items())))
            if key in seen:
                continue
            seen.add(key)
            frames.append(frame)
            alternates.append(alts)
    text = segments[0] if segments else ""
    reason = "" if frames else (reasons[0] if reasons else "an empty row")
    return Reading(text, tuple(frames), reason, tuple(alternates))
