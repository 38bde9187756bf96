"""The 34 provincial-level divisions of GB/T 2260, with the pinyin slug that names their schema and host."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Division:
    code: str  # GB/T 2260 six-digit code
    name: str  # official Chinese name
    short_name: str
    slug: str  # pinyin; also the PostgreSQL schema name and the host label


DIVISIONS: tuple[Division, ...] = (
    Division("110000", "北京市", "北京", "beijing"),
    Division("120000", "天津市", "天津", "tianjin"),
    Division("130000", "河北省", "河北", "hebei"),
    Division("140000", "山西省", "山西", "shanxi"),
    Division("150000", "内蒙古自治区", "内蒙古", "neimenggu"),
    Division("210000", "辽宁省", "辽宁", "liaoning"),
    Division("220000", "吉林省", "吉林", "jilin"),
    Division("230000", "黑龙江省", "黑龙江", "heilongjiang"),
    Division("310000", "上海市", "上海", "shanghai"),
    Division("320000", "江苏省", "江苏", "jiangsu"),
    Division("330000", "浙江省", "浙江", "zhejiang"),
    Division("340000", "安徽省", "安徽", "anhui"),
    Division("350000", "福建省", "福建", "fujian"),
    Division("360000", "江西省", "江西", "jiangxi"),
    Division("370000", "山东省", "山东", "shandong"),
    Division("410000", "河南省", "河南", "henan"),
    Division("420000", "湖北省", "湖北", "hubei"),
    Division("430000", "湖南省", "湖南", "hunan"),
    Division("440000", "广东省", "广东", "guangdong"),
    Division("450000", "广西壮族自治区", "广西", "guangxi"),
    Division("460000", "海南省", "海南", "hainan"),
    Division("500000", "重庆市", "重庆", "chongqing"),
    Division("510000", "四川省", "四川", "sichuan"),
    Division("520000", "贵州省", "贵州", "guizhou"),
    Division("530000", "云南省", "云南", "yunnan"),
    Division("540000", "西藏自治区", "西藏", "xizang"),
    # 陕西 and 山西 share the pinyin "shanxi"; the official romanisation of 陕西 is Shaanxi.
    Division("610000", "陕西省", "陕西", "shaanxi"),
    Division("620000", "甘肃省", "甘肃", "gansu"),
    Division("630000", "青海省", "青海", "qinghai"),
    Division("640000", "宁夏回族自治区", "宁夏", "ningxia"),
    Division("650000", "新疆维吾尔自治区", "新疆", "xinjiang"),
    Division("710000", "台湾省", "台湾", "taiwan"),
    Division("810000", "香港特别行政区", "香港", "xianggang"),
    Division("820000", "澳门特别行政区", "澳门", "aomen"),
)

BY_SLUG: dict[str, Division] = {d.slug: d for d in DIVISIONS}
BY_CODE: dict[str, Division] = {d.code: d for d in DIVISIONS}

NATIONAL_SLUG = "national"
NATIONAL_CODE = "000000"


def find_division(key: str) -> Division | None:
    """Look a division up by slug, six-digit code, two-digit prefix or Chinese (short) name."""
    key = key.strip().lower()
    if key in BY_SLUG:
        return BY_SLUG[key]
    if key in BY_CODE:
        return BY_CODE[key]
    if len(key) == 2 and key.isdigit():
        return BY_CODE.get(key + "0000")
    return next((d for d in DIVISIONS if key in (d.name, d.short_name)), None)
