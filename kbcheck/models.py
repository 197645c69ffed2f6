"""The values that flow between kbcheck's stages (DESIGN.md, "Core types").

Every stage takes these and returns these; nothing here does I/O. The JSON form of `Report`
(``reports/report.json``) is documented in docs/report-json.md and kept stable.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class Severity(StrEnum):
    """How bad a finding is; `--fail-on` compares against this order."""

    info = "info"
    warning = "warning"
    error = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return ("info", "warning", "error").index(self.value)


class Confidence(StrEnum):
    """An author's stated confidence in an article or a fact."""

    low = "low"
    medium = "medium"
    high = "high"


ArticleFormat = Literal["frontmatter-markdown", "flat-markdown", "mediawiki", "glossary"]


class Finding(BaseModel):
    """One problem with an article, pointing at a file, a line and a column, with a hint."""

    rule: str
    severity: Severity
    path: str
    line: int | None = None
    column: int | None = None
    message: str
    hint: str | None = None


class VerifySpec(BaseModel):
    """An author's pinned pairing: `verify: {verifier: ID, params: {...}}` in an atomic fact."""

    model_config = ConfigDict(extra="forbid")

    verifier: str = Field(description="The id of the verifier that checks the fact "
                                      "(`kbcheck verifiers` lists them).")
    params: dict[str, Any] = Field(default_factory=dict, description=(
        "The verifier's parameters (`kbcheck verifiers` lists each verifier's); the ones left "
        "out take their defaults."))


class AtomicFact(BaseModel):
    """One atomic, sourced statement of an article's frontmatter."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, description="The fact's id, unique within the article "
                                             "(e.g. fact-lora-1).")
    statement: str | None = Field(None, description="The claim, as one self-contained "
                                                    "sentence; kbcheck reads and measures it.")
    source_title: str | None = Field(None, description="The title of the source that supports "
                                                       "the statement.")
    source_url: str | None = Field(None, description="The URL of that source; it should also "
                                                     "be listed in primary_sources or "
                                                     "secondary_sources.")
    confidence: Confidence | None = Field(None, description="The author's confidence in this "
                                                            "fact: low, medium or high.")
    verify: VerifySpec | None = Field(None, description=(
        "Pins the verifier that checks this fact, and its parameters, instead of the pairing "
        "kbcheck reads from the sentence (`kbcheck check` prints a block for each claim)."))


class Source(BaseModel):
    """A cited source: from `primary_sources` / `secondary_sources`, or recovered from the body."""

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, description="An id for the source, if the article uses one.")
    title: str | None = Field(None, description="The source's title as published.")
    type: str | None = Field(None, description="What kind of source it is.",
                             examples=["academic_paper", "documentation", "blog", "repository"])
    year: int | None = Field(None, description="The year it was published (an arXiv id's year "
                                               "must match).")
    url: str | None = Field(None, description="Where to read it; kbcheck checks that it "
                                              "resolves and is what the title says.")
    institution: str | None = Field(None, description="Who published it (arXiv, a lab, a "
                                                      "company).")


class Frontmatter(BaseModel):
    """The metadata fields the knowledge base uses; `kbcheck schema` prints its JSON Schema.

    Unknown fields are kept (``extra="allow"``) and reported as `info` findings by the rules.
    """

    model_config = ConfigDict(extra="allow")

    id: str | None = Field(None, description="The article's id, unique in the knowledge base "
                                             "(`kbcheck new` gives a fresh one).",
                           examples=["kb-2026-00062"])
    title: str | None = Field(None, description="The article's title.")
    schema_type: str | None = Field(None, description="The schema.org type of the article.",
                                    examples=["TechArticle"])
    category: str | None = Field(None, description="The knowledge base's category.",
                                 examples=["ai"])
    language: str | None = Field(None, description="The article's language (a BCP 47 tag).",
                                 examples=["en"])
    confidence: Confidence | None = Field(None, description="The author's confidence in the "
                                                            "article: low, medium or high.")
    last_verified: date | None = Field(None, description="The day the facts were last checked "
                                                         "against their sources (YYYY-MM-DD; "
                                                         "not before created_date).")
    created_date: date | None = Field(None, description="The day the article was written "
                                                        "(YYYY-MM-DD).")
    updated: date | None = Field(None, description="The day the article last changed "
                                                   "(YYYY-MM-DD).")
    generation_method: str | None = Field(None, description="How the article was written.",
                                          examples=["human_only", "ai_structured"])
    ai_models: list[str] = Field(default_factory=list, description="The AI models that helped "
                                                                   "write it, if any.")
    derived_from_human_seed: bool | None = Field(None, description="Whether it started from "
                                                                   "a text a person wrote.")
    conflict_of_interest: str | None = Field(None, description="Any conflict of interest.",
                                             examples=["none_declared"])
    is_live_document: bool | None = Field(None, description="Whether the article is kept up "
                                                            "to date as things change.")
    data_period: str | None = Field(None, description="The period its figures describe.",
                                    examples=["static"])
    atomic_facts: list[AtomicFact] = Field(default_factory=list, description=(
        "The article's claims, one sourced sentence each; kbcheck measures each one."))
    completeness: float | None = Field(None, description=(
        "How much of the topic the article covers, from 0 to 1."),
        # schema only: a value outside is the completeness-range finding, not a load error
        json_schema_extra={"minimum": 0, "maximum": 1})
    known_gaps: list[str] = Field(default_factory=list, description="What the article leaves "
                                                                    "out, one item each.")
    disputed_statements: list[Any] = Field(default_factory=list, description=(
        "Statements sources disagree on."))
    primary_sources: list[Source] = Field(default_factory=list, description=(
        "The sources the facts rest on (papers, official documentation)."))
    secondary_sources: list[Source] = Field(default_factory=list, description=(
        "Further reading: blogs, tutorials, discussions."))
    domains: list[str] = Field(default_factory=list, description="Subject areas, one item each.",
                               examples=[["Fine_Tuning", "PEFT"]])


class Article(Frontmatter):
    """A parsed article: its metadata, its body, and where each field stands in the file.

    `lines` maps a field path ("title", "atomic_facts.1.statement", "primary_sources.0.url") to
    its 1-based line in the file; `body_line` is the file line on which `body` starts. Loaders
    for formats without frontmatter fill what the format carries and leave the rest empty.
    """

    path: str
    format: ArticleFormat
    body: str = ""
    body_line: int = 1
    lines: dict[str, int] = Field(default_factory=dict)
    # Sources recovered from links in the body (all formats); frontmatter sources stay above.
    body_links: list[Source] = Field(default_factory=list)

    def line_of(self, field_path: str) -> int | None:
        """The line of a field path, or of its nearest ancestor that has one."""
        parts = field_path.split(".")
        while parts:
            line = self.lines.get(".".join(parts))
            if line is not None:
                return line
            parts.pop()
        return None

    def all_sources(self) -> list[Source]:
        """Primary, secondary and body-link sources, in that order."""
        return [*self.primary_sources, *self.secondary_sources, *self.body_links]

    def extra_fields(self) -> dict[str, Any]:
        """Frontmatter fields this schema does not know (kept, reported as info)."""
        return dict(self.model_extra or {})


class LoadResult(BaseModel):
    """What a loader returns: an article when one could be built, and the findings on the way."""

    path: str
    article: Article | None = None
    findings: list[Finding] = Field(default_factory=list)


# --- claims, pairing, evidence (stages after validate) ---------------------------------------

ClaimOrigin = Literal["atomic_fact", "body", "code"]


class Claim(BaseModel):
    """One checkable statement of an article, with where it came from."""

    id: str  # stable within a run: "<path>#<fact id>" or "<path>:<line>"
    path: str
    article_id: str | None = None
    fact_id: str | None = None
    line: int | None = None
    text: str
    origin: ClaimOrigin
    pinned: VerifySpec | None = None
    # the heading of the body section the claim stands under ("LoRA+"), if any
    section: str | None = None
    # A table row's cells as read (first cell, then `Header cell` ...) and its table's caption:
    # each cell is read with the first as a statement of its own. Not part of the report.
    cells: tuple[str, ...] = Field(default=(), exclude=True, repr=False)
    caption: str = Field(default="", exclude=True, repr=False)
    # The one model named last before the claim in its section, or by the article's title
    # ("Qwen2.5-7B"): what a sentence that names none may be about. Not part of the report.
    context_model: str = Field(default="", exclude=True, repr=False)
    # The method the sentences before it in its paragraph are about ("Adapter (Houlsby). A
    # small bottleneck MLP ..."), for a sentence that names none. Not part of the report.
    context_subject: str = Field(default="", exclude=True, repr=False)
    # The sentence before it in its paragraph, for a sentence that points back to it ("That
    # saves 0.37 bits per parameter."). Not part of the report.
    context_lead: str = Field(default="", exclude=True, repr=False)
    # The rank and the adapted modules the article states last before the claim (in prose, a
    # list of settings or a LoraConfig in code): the configuration a figure that states none
    # may be about. Not part of the report.
    context_rank: int = Field(default=0, exclude=True, repr=False)
    context_modules: str = Field(default="", exclude=True, repr=False)
    context_alpha: float = Field(default=0.0, exclude=True, repr=False)  # lora_alpha, likewise
    # The model that configuration was stated for (named with it, or last before it, in any
    # section). Not part of the report.
    context_config_model: str = Field(default="", exclude=True, repr=False)

    def reported(self) -> Claim:
        """The claim as a report holds it: without the context its reading used (the report's
        JSON leaves that out, so a report read back equals the one written)."""
        return self.model_copy(update={"cells": (), "caption": "", "context_model": "",
                                       "context_subject": "", "context_lead": "",
                                       "context_rank": 0, "context_modules": "",
                                       "context_alpha": 0.0,
                                       "context_config_model": ""})


class Verdict(StrEnum):
    """DESIGN.md's verdict words."""

    supported = "supported"
    refuted = "refuted"
    conditional = "conditional"
    unverifiable = "unverifiable"
    skipped = "skipped"
    error = "error"


class FramePairing(BaseModel):
    """One claim frame (subject, predicate, polarity, the words that filled each slot) and
    the verifier it pairs with, or why it pairs with none."""

    subject: str
    predicate: str
    polarity: bool = True
    slots: dict[str, str] = Field(default_factory=dict)  # slot -> the text that filled it
    quantities: list[str] = Field(default_factory=list)  # each quantity as read
    verifier: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    open: list[str] = Field(default_factory=list)  # decisive values the text did not state
    # What was measured is a lower bound of what the claim needs (QLoRA's 4-bit memory for a
    # 16-bit claim): it can refute the claim, never support it.
    lower_bound: bool = False
    # A condition the claim needs and leaves out (e.g. "only in fp32"): a measured `supported`
    # becomes `conditional` with it.
    condition: str = ""
    # The claim's modality: "can" (it holds in some setting: "merging can round"), "all" (in
    # every setting: "never", "cannot ... without"), "split" (it says in which setting it holds
    # and in which not: "unmerged it costs extra matmuls; merging removes them"), "may_fail"
    # (a denial of what holds at the verifier's reference setting and fails at larger ones it
    # leaves open: "the run OOMed on the 24 GB card"), or "" (as stated).
    modality: str = ""
    reason: str = ""
    # The same frame read with the configuration the article stated before it (its rank,
    # modules, model) where the sentence leaves them out: a measurement there may support the
    # claim, never refute it. Not part of the report.
    in_context: FramePairing | None = Field(default=None, exclude=True, repr=False)


class Pairing(BaseModel):
    """A claim paired with verifiers through its frames, or the reason none was.

    `verifier`/`params`/`negated` are those of the first paired frame; `frames` lists all."""

    claim_id: str
    verifier: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    pinned: bool = False
    reason: str  # why this verifier, or why none (-> unverifiable)
    # The sentence denies what the verifier checks ("does not fit", "no latency" for the
    # predicate adds-latency): the verdict is the verifier's with supported and refuted swapped.
    negated: bool = False
    frames: list[FramePairing] = Field(default_factory=list)


class Figure(BaseModel):
    """The pair that decided a numeric claim: what the sentence states of a quantity and what
    was measured (a verifier's `figure_pair(...)`), both in `unit`."""

    quantity: str = Field("", max_length=500)
    stated: int | float | str
    measured: int | float | str
    unit: str = Field("", max_length=40)

    def text(self) -> str:
        """'trainable parameters: stated 262,144 → measured 131,072'."""
        unit = self.unit if self.unit in ("%", "x") else f" {self.unit}" if self.unit else ""
        pair = f"stated {_number(self.stated)}{unit} → measured {_number(self.measured)}{unit}"
        return f"{self.quantity}: {pair}" if self.quantity else pair


def _number(value: int | float | str) -> str:
    """Thousands separated, at most four significant decimals; text as it is (bounded)."""
    if isinstance(value, str):
        return value[:60]
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.1f}"
    return f"{value:.4g}"


class Evidence(BaseModel):
    """What one verifier run measured and the verdict that follows from it."""

    verifier: str
    version: int
    params: dict[str, Any] = Field(default_factory=dict)
    verdict: Verdict
    explanation: str
    measured: dict[str, Any] = Field(default_factory=dict)
    expected: dict[str, Any] = Field(default_factory=dict)
    environment: dict[str, Any] = Field(default_factory=dict)
    duration_s: float = 0.0
    cached: bool = False
    # Set when the evidence was recorded on another machine (a GPU): where and when.
    recorded: dict[str, Any] | None = None
    # True when the verifier's `fallback` (a CPU estimate) stood in for the required device.
    fallback: bool = False
    # What the reader should know beside the verdict (e.g. stale recorded evidence).
    notes: list[str] = Field(default_factory=list)
    # The same measurement recorded with another `device` param (a latency verifier's GPU
    # figures beside its CPU run): device, date, file, verdict, explanation, measured.
    elsewhere: list[dict[str, Any]] = Field(default_factory=list)
    # The stated/measured pair that decided the verdict, when the verifier names one (it sends
    # it as measured["_figure"], see verifiers._base.figure_pair); None for other verifiers.
    figure: Figure | None = None

    @model_validator(mode="before")
    @classmethod
    def _figure_from_measured(cls, data: Any) -> Any:
        """Take the verifier's pair out of `measured`; one of the wrong shape (a plug-in's) is
        left there, unread, rather than failing the run."""
        if not isinstance(data, dict) or not isinstance(data.get("measured"), dict):
            return data
        raw = data["measured"].get("_figure")
        if raw is None or data.get("figure") is not None:
            return data
        try:
            pair = Figure.model_validate(raw)
        except ValidationError:
            return data
        measured = {k: v for k, v in data["measured"].items() if k != "_figure"}
        return {**data, "measured": measured, "figure": pair}


# --- the report (kbcheck run; JSON form documented in docs/report-json.md) --------------------


class FrameResult(BaseModel):
    """The verdict of one paired frame of a claim, with its evidence."""

    index: int  # position in pairing.frames
    verdict: Verdict
    explanation: str
    evidence: Evidence | None = None


class ClaimResult(BaseModel):
    """One claim with its pairing, its verdict and the evidence behind the verdict.

    A claim with several frames is judged per frame (`frames`); its verdict combines them:
    refuted if any frame is, else error, conditional, supported, skipped in that order.
    `evidence` is the evidence of the frame that decided the verdict."""

    claim: Claim
    pairing: Pairing
    verdict: Verdict
    explanation: str
    evidence: Evidence | None = None
    frames: list[FrameResult] = Field(default_factory=list)
    # The deciding evidence's stated/measured pair, shown beside a refuted or conditional
    # claim; None where the sentence denies what the verifier checked (its pair is not what
    # the sentence states) or where the verifier names none.
    figure: Figure | None = None


class ArticleInfo(BaseModel):
    """An article the run read: where it is, what it is, how many claims it made."""

    path: str
    id: str | None = None
    title: str | None = None
    format: ArticleFormat | None = None
    claims: int = 0


class Report(BaseModel):
    """Everything one `kbcheck run` found; written as ``reports/report.json``."""

    schema_version: int = 2
    kbcheck_version: str
    generated_at: str  # ISO 8601, UTC
    paths: list[str] = Field(default_factory=list)
    device: str = "cpu"
    articles: list[ArticleInfo] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    claims: list[ClaimResult] = Field(default_factory=list)
    summary: dict[str, int] = Field(default_factory=dict)  # verdict -> claims, all six keys
    finding_counts: dict[str, int] = Field(default_factory=dict)  # severity -> findings
    runner: dict[str, Any] = Field(default_factory=dict)  # jobs, cached, executed, recorded …
    duration_s: float = 0.0
    links: Any | None = None  # the link checker's results, when that stage runs
