"""Claim understanding: sentences -> claims (`extract`) -> typed claim frames (`recognise`).

`normalise` makes numbers, units and symbols uniform, `quantities` reads numbers with their
units, bounds and precision, `polarity` reads negation and denial, `recognise` finds subjects,
predicates and conditions by the vocabularies in `lexicon/`. Nothing here imports torch.
"""

from kbcheck.claims.extract import describe_lora_code, extract_claims, is_checkable
from kbcheck.claims.normalise import normalise
from kbcheck.claims.recognise import Reading, recognise

__all__ = ["Reading", "describe_lora_code", "extract_claims", "is_checkable", "normalise",
           "recognise"]
