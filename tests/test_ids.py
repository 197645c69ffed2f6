"""arXiv id and DOI parsing (kbcheck/ids.py)."""

import pytest

from kbcheck.ids import arxiv_id_from_url, arxiv_ids_in_text, doi_from_url, parse_arxiv_id


@pytest.mark.parametrize(
    ("raw", "id_", "year", "version"),
    [
        ("2106.09685", "2106.09685", 2021, None),
        ("2305.14314v2", "2305.14314", 2023, 2),
        ("0704.0001", "0704.0001", 2007, None),
        ("1412.6980", "1412.6980", 2014, None),
        ("hep-th/9901001", "hep-th/9901001", 1999, None),
        ("math.AG/0601001v3", "math.AG/0601001", 2006, 3),
    ],
)
def test_well_formed_ids(raw, id_, year, version):
    parsed = parse_arxiv_id(raw)
    assert parsed.ok, parsed.problem
    assert (parsed.id, parsed.year, parsed.version) == (id_, year, version)


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("2113.09685", "month 13"),
        ("2106.0968", "5 digits"),
        ("1412.69801", "4 digits"),
        ("0612.0001", "April 2007"),
        ("hep-th/0801001", "March 2007"),
        ("lora-paper", "not an arXiv id"),
    ],
)
def test_malformed_ids_say_why(raw, why):
    parsed = parse_arxiv_id(raw)
    assert not parsed.ok and why in parsed.problem


def test_ids_from_urls_and_text():
    assert arxiv_id_from_url("https://arxiv.org/abs/2106.09685").id == "2106.09685"
    assert arxiv_id_from_url("https://arxiv.org/pdf/2106.09685v1.pdf").version == 1
    assert arxiv_id_from_url("https://arxiv.org/list/cs.LG/recent").ok is False
    assert arxiv_id_from_url("https://github.com/microsoft/LoRA") is None
    assert [a.id for a in arxiv_ids_in_text("(arXiv:2106.09685, 19,123 citations)")] == [
        "2106.09685"
    ]
    assert doi_from_url("https://doi.org/10.18653/v1/2021.acl-long.353") == (
        "10.18653/v1/2021.acl-long.353"
    )
    assert doi_from_url("https://arxiv.org/abs/2106.09685") is None
