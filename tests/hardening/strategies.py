"""Hypothesis strategies for the variables of any GraphQL field, built from the introspected schema.

Values mix the shop's real names (so a mutation gets past "unknown SKU" to its deeper
rules) with edge cases: empty and oversized text, numbers out of range or out of 32
bits, times without a zone, malformed decimals, and nulls wherever a type allows them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

KNOWN_TEXT = (
    "WH-EAST", "WH-WEST", "RICE-5KG", "MILK-1L", "TEA-250G", "PAN-28", "CUST-1", "CUST-2", "C-1", "C-2", "PS-FUZZ",
    "sms", "wechat", "home", "NEAREST", "", " ", "x" * 300, "<script>", "'; DROP TABLE orders; --", "配送",
)
START = datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)

INTROSPECT_INPUTS = """
query {
  __schema {
    mutationType { fields { name args { name type { ...ref } } } }
    types { name kind inputFields { name type { ...ref } } enumValues { name } }
  }
}
fragment ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
"""


def scalar(name: str) -> st.SearchStrategy[Any]:
    if name in ("String", "ID"):
        return st.one_of(st.sampled_from(KNOWN_TEXT), st.text(max_size=30))
    if name == "Int":
        return st.one_of(st.integers(-3, 60), st.integers(-(2**31), 2**31 - 1), st.just(2**40))
    if name == "Float":
        return st.one_of(st.floats(-200, 200, allow_nan=False), st.sampled_from([31.23, 121.54, 0.0, 1e308]))
    if name == "Boolean":
        return st.booleans()
    if name == "DateTime":
        moments = st.timedeltas(timedelta(days=-2), timedelta(days=30)).map(lambda d: (START + d).isoformat())
        return st.one_of(moments, st.sampled_from(["2026-11-25T10:00:00", "yesterday", "2026-02-30T00:00:00+00:00"]))
    if name == "Date":
        return st.one_of(st.dates().map(str), st.sampled_from(["2026-13-01", "today"]))
    if name == "Decimal":
        return st.one_of(
            st.decimals(-5, 10**6, allow_nan=False, allow_infinity=False, places=3).map(str),
            st.sampled_from(["abc", "1e400", "NaN", "-0", "0.0001"]),
        )
    if name == "JSON":
        return st.dictionaries(st.sampled_from(["a", "lat", "lon", "text"]), st.integers(-5, 5) | st.text(max_size=5), max_size=3)
    raise LookupError(f"no strategy for scalar {name}")


class Variables:
    """Strategies for a field's arguments, as GraphQL variables."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.types = {t["name"]: t for t in schema["types"]}

    def of(self, args: list[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        required = {a["name"]: self.value(a["type"]) for a in args if a["type"]["kind"] == "NON_NULL"}
        optional = {a["name"]: self.value(a["type"]) for a in args if a["type"]["kind"] != "NON_NULL"}
        return st.fixed_dictionaries(required, optional=optional)

    def value(self, ref: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
        if ref["kind"] == "NON_NULL":
            return self.named_or_list(ref["ofType"], depth)
        return st.none() | self.named_or_list(ref, depth)

    def named_or_list(self, ref: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
        if ref["kind"] == "LIST":
            return st.lists(self.value(ref["ofType"], depth + 1), max_size=3 if depth < 2 else 1)
        named = self.types[ref["name"]]
        if named["kind"] == "ENUM":
            return st.sampled_from([v["name"] for v in named["enumValues"]])
        if named["kind"] == "INPUT_OBJECT":
            return self.of(named["inputFields"])
        return scalar(named["name"])


def declared(args: list[dict[str, Any]]) -> str:
    return ", ".join(f"${a['name']}: {type_text(a['type'])}" for a in args)


def type_text(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return type_text(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{type_text(ref['ofType'])}]"
    return ref["name"]


def mutation_document(field: dict[str, Any]) -> str:
    """The mutation with every argument passed as a variable; absent optional variables stay unset."""
    args = field["args"]
    passed = ", ".join(f"{a['name']}: ${a['name']}" for a in args)
    return (f"mutation{f'({declared(args)})' if args else ''} "
            f"{{ {field['name']}{f'({passed})' if passed else ''} {{ __typename }} }}")
