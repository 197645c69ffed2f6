"""The links stage: check every cited source, politely, and resolve arXiv / DOI / GitHub ids.

Public API: `check_links(articles, config) -> LinksReport`. This package never imports torch.
"""

from kbcheck.links.check import USER_AGENT, check_links, check_links_async
from kbcheck.links.models import (
    DEFAULT_HOSTS,
    Citation,
    HostPolicy,
    LinkConfig,
    LinkResult,
    LinksReport,
    Outcome,
)

__all__ = ["DEFAULT_HOSTS", "USER_AGENT", "Citation", "HostPolicy", "LinkConfig", "LinkResult",
           "LinksReport", "Outcome", "check_links", "check_links_async"]
