"""Places for the gap finder: a small zh-CN area-code table and place-name folding.

A rule written "城市 = 上海" misses a lead whose city reads "ShangHai" or whose phone is
021-62991640 (seed 004). Area codes of the larger cities are listed here with their
Chinese and English names; any other Chinese fixed-line number is named by
``phonenumbers``' geocoder. Numbers are normalised by ``phonenumbers``, so
"+86 21 6299 1640", "021-62991640" and "02162991640" compare equal.
"""

from __future__ import annotations

import unicodedata
from types import MappingProxyType
from typing import Final

import phonenumbers
from phonenumbers import geocoder

#: Area code (with its trunk 0) -> (Chinese name, English name).
AREA_CODES: Final = MappingProxyType({
    "010": ("北京", "Beijing"), "020": ("广州", "Guangzhou"), "021": ("上海", "Shanghai"),
    "022": ("天津", "Tianjin"), "023": ("重庆", "Chongqing"), "024": ("沈阳", "Shenyang"),
    "025": ("南京", "Nanjing"), "027": ("武汉", "Wuhan"), "028": ("成都", "Chengdu"),
    "029": ("西安", "Xi'an"), "0311": ("石家庄", "Shijiazhuang"), "0351": ("太原", "Taiyuan"),
    "0371": ("郑州", "Zhengzhou"), "0431": ("长春", "Changchun"),
    "0451": ("哈尔滨", "Harbin"), "0471": ("呼和浩特", "Hohhot"), "0512": ("苏州", "Suzhou"),
    "0531": ("济南", "Jinan"), "0532": ("青岛", "Qingdao"), "0551": ("合肥", "Hefei"),
    "0571": ("杭州", "Hangzhou"), "0574": ("宁波", "Ningbo"), "0591": ("福州", "Fuzhou"),
    "0592": ("厦门", "Xiamen"), "0731": ("长沙", "Changsha"), "0755": ("深圳", "Shenzhen"),
    "0757": ("佛山", "Foshan"), "0769": ("东莞", "Dongguan"), "0771": ("南宁", "Nanning"),
    "0791": ("南昌", "Nanchang"), "0851": ("贵阳", "Guiyang"), "0871": ("昆明", "Kunming"),
    "0891": ("拉萨", "Lhasa"), "0898": ("海口", "Haikou"), "0931": ("兰州", "Lanzhou"),
    "0951": ("银川", "Yinchuan"), "0971": ("西宁", "Xining"),
    "0991": ("乌鲁木齐", "Urumqi"),
})
#: Suffixes a Chinese place name may carry or drop ("上海市" is "上海").
PLACE_SUFFIXES: Final = ("市", "省", "区", "县")


def fold_place(text: str) -> str:
    """Case, width and spaces folded, a trailing 市/省/区/县 dropped: "ShangHai " ->
    "shanghai", "上海市" -> "上海"."""
    folded = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    for suffix in PLACE_SUFFIXES:
        if len(folded) > len(suffix) + 1 and folded.endswith(suffix):
            return folded[:-len(suffix)]
    return folded


def area_code(number: str) -> str | None:
    """The area code (with the trunk 0) of a Chinese fixed-line number, else None
    (mobiles, foreign numbers, text that is no number)."""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86:
        return None
    length = phonenumbers.length_of_geographical_area_code(parsed)
    if length <= 0:
        return None
    return "0" + str(parsed.national_number)[:length]


def place_names(code: str, number: str) -> tuple[str, ...]:
    """The names of the city an area code dials: from the table, else the geocoder."""
    if code in AREA_CODES:
        return AREA_CODES[code]
    parsed = phonenumbers.parse(number, "CN")
    found = [geocoder.description_for_number(parsed, lang) for lang in ("zh", "en")]
    return tuple(name for name in found if name)


def normalised_number(number: str) -> str | None:
    """E.164 form ("+862162991640"), so spellings of one number compare equal."""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

