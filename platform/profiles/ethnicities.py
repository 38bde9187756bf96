"""The 56 ethnic groups recognised in China (民族), in the order and with the codes of GB/T 3304-1991.

A profile stores the group's full Chinese name ("汉族"); input may omit the trailing "族" ("汉", "蒙古").
"""

from __future__ import annotations

from typing import Final

# (GB/T 3304 code, name)
ETHNIC_GROUPS: Final[tuple[tuple[str, str], ...]] = tuple(
    (f"{number:02d}", name)
    for number, name in enumerate(
        (
            "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
            "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
            "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
            "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
            "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
            "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
        ),
        start=1,
    )
)
ETHNICITY_NAMES: Final[frozenset[str]] = frozenset(name for _, name in ETHNIC_GROUPS)
assert len(ETHNICITY_NAMES) == 56


def normalise_ethnicity(value: str) -> str | None:
    """The recognised group's full name for `value` ("汉" → "汉族"), or None when it is not one of the 56."""
    name = value.strip()
    if name in ETHNICITY_NAMES:
        return name
    if name and f"{name}族" in ETHNICITY_NAMES:
        return f"{name}族"
    return None
