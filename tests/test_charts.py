"""The charts' helpers on knowledge bases the validator would refuse: models can be made in
code without it, and a picture must still be drawn."""

from __future__ import annotations

from pathlib import Path

from peacekb.charts import countries_of
from peacekb.knowledge import load
from peacekb.models import Place


def test_a_loop_of_cities_ends(mini_data: Path) -> None:
    kb, problems = load(mini_data)
    assert problems == []
    country = kb.records["place"]["freedonia"]
    assert isinstance(country, Place)
    for pid, within in (("a", "b"), ("b", "a"), ("c", "c")):
        kb.records["place"][pid] = country.model_copy(
            update={"id": pid, "type": "city", "within": within}
        )
    assert countries_of(kb, ["a", "c", "freedonia"]) == ["b", "c", "freedonia"]
