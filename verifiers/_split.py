"""Whether a sentence says where merged LoRA's cost is: on the unmerged weights, taken away by
merging ("unmerged it runs two extra matmuls; merging removes them"). Read by the latency and
DoRA verifiers, which judge such a sentence as the measured split. Stdlib only."""

from __future__ import annotations

import re

# "Unmerged, each layer does two extra small matmuls; merging removes that cost": the
# sentence puts the cost on the unmerged weights and takes it away by merging
_UNMERGED = re.compile(r"\bun-?merged\b|\bwithout\s+merging\b|\bbefore\s+merging\b|"
                       r"\b(?:kept|keep|keeps|stays?|staying|remains?|left|sits?)\s+"
                       r"(?:\w+\s+)?separate\b|\b(?:unless|until|if\s+not)\s+(?:it\s+is\s+|"
                       r"they\s+are\s+)?merged\b", re.I)
_COST = re.compile(r"\b(?:extra|additional|more)\s+(?:[\w-]+\s+){0,3}?(?:matmuls?|"
                   r"multiplications?|compute|work|operations?|ops|flops|cost|latency|overhead|"
                   r"time)\b|\b(?:slower|overhead|more\s+expensive|costlier)\b", re.I)
_MERGE_FREES = re.compile(r"\bmerg\w*\b[^.!?]{0,80}?\b(?:remov\w*|eliminat\w*|gets?\s+rid\s+of|"
                          r"avoids?|as\s+fast|same\s+speed|no\s+(?:extra\s+|added\s+|"
                          r"additional\s+)?(?:latency|overhead|cost))", re.I)


# ... or that it is why merging is advised ("..., which is why merge_and_unload is the usual
# advice", "so just merge it")
_MERGE_ADVISED = re.compile(r"\b(?:which\s+is\s+why|that\s+is\s+why|that's\s+why|hence|"
                            r"therefore|so)\b[^.!?]{0,60}?\bmerg", re.I)


# the cost denied ("the unmerged branch adds no extra computation"): no cost put on it
_DENIED_BEFORE = re.compile(r"(?:\b(?:no|not|without|zero|never)|n't)\s+(?:[\w-]+\s+){0,2}?$",
                            re.I)


def split_said(text: str) -> bool:
    """Whether a sentence puts a cost on unmerged weights (a cost word after 'unmerged') and
    says merging takes it away, or that the cost is why one merges."""
    unmerged = _UNMERGED.search(text)
    cost = _COST.search(text, unmerged.end()) if unmerged else None
    if cost and _DENIED_BEFORE.search(text, max(0, cost.start() - 40), cost.start()):
        return False
    return bool(cost and (any(not unmerged.start() <= m.start() < unmerged.end()
                              for m in _MERGE_FREES.finditer(text))
                          or _MERGE_ADVISED.search(text, cost.end())))
