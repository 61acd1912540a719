"""Where synthetic enterprises and people are registered: provinces and cities of GB/T 2260.

Weights follow the number of registered market entities (roughly: Guangdong far
ahead, then Jiangsu, Zhejiang, Shandong, with Shanghai and Beijing heavy for
their size), so division codes in generated credit codes look like a real
registry's. Municipalities list districts (six-digit codes); other provinces
list prefecture-level cities (four digits) whose district is drawn at random.
"""

from __future__ import annotations

from dataclasses import dataclass

from creditgraph.domain.identifiers import PROVINCE_PREFIXES


@dataclass(frozen=True)
class City:
    code: str  # four digits (a prefecture-level city) or six (a district of a municipality)
    name: str  # as written before an enterprise name: 深圳市, 北京市海淀区
    province: Province

    @property
    def key(self) -> str:
        return self.code

    @property
    def is_district(self) -> bool:
        return len(self.code) == 6


@dataclass(frozen=True)
class Province:
    prefix: str  # the two-digit province code
    name: str  # 广东省
    abbr: str  # 粤: used in document numbers
    weight: float
    municipality: bool


# (prefix, name, abbreviation, weight, cities or districts)
_TABLE: list[tuple[str, str, str, float, list[tuple[str, str]]]] = [
    (
        "11",
        "北京市",
        "京",
        5.0,
        [
            ("110101", "东城区"),
            ("110102", "西城区"),
            ("110105", "朝阳区"),
            ("110106", "丰台区"),
            ("110108", "海淀区"),
            ("110112", "通州区"),
            ("110114", "昌平区"),
            ("110115", "大兴区"),
        ],
    ),
    (
        "12",
        "天津市",
        "津",
        1.8,
        [("120101", "和平区"), ("120103", "河西区"), ("120104", "南开区"), ("120116", "滨海新区")],
    ),
    (
        "13",
        "河北省",
        "冀",
        4.0,
        [
            ("1301", "石家庄市"),
            ("1302", "唐山市"),
            ("1304", "邯郸市"),
            ("1306", "保定市"),
            ("1309", "沧州市"),
            ("1310", "廊坊市"),
        ],
    ),
    (
        "14",
        "山西省",
        "晋",
        1.8,
        [("1401", "太原市"), ("1402", "大同市"), ("1404", "长治市"), ("1407", "晋中市")],
    ),
    (
        "15",
        "内蒙古自治区",
        "蒙",
        1.4,
        [("1501", "呼和浩特市"), ("1502", "包头市"), ("1504", "赤峰市"), ("1506", "鄂尔多斯市")],
    ),
    (
        "21",
        "辽宁省",
        "辽",
        2.6,
        [("2101", "沈阳市"), ("2102", "大连市"), ("2103", "鞍山市"), ("2104", "抚顺市")],
    ),
    ("22", "吉林省", "吉", 1.3, [("2201", "长春市"), ("2202", "吉林市")]),
    (
        "23",
        "黑龙江省",
        "黑",
        1.3,
        [("2301", "哈尔滨市"), ("2302", "齐齐哈尔市"), ("2306", "大庆市")],
    ),
    (
        "31",
        "上海市",
        "沪",
        5.5,
        [
            ("310101", "黄浦区"),
            ("310104", "徐汇区"),
            ("310105", "长宁区"),
            ("310106", "静安区"),
            ("310107", "普陀区"),
            ("310110", "杨浦区"),
            ("310112", "闵行区"),
            ("310113", "宝山区"),
            ("310114", "嘉定区"),
            ("310115", "浦东新区"),
        ],
    ),
    (
        "32",
        "江苏省",
        "苏",
        10.0,
        [
            ("3201", "南京市"),
            ("3202", "无锡市"),
            ("3203", "徐州市"),
            ("3204", "常州市"),
            ("3205", "苏州市"),
            ("3206", "南通市"),
            ("3210", "扬州市"),
        ],
    ),
    (
        "33",
        "浙江省",
        "浙",
        9.0,
        [
            ("3301", "杭州市"),
            ("3302", "宁波市"),
            ("3303", "温州市"),
            ("3304", "嘉兴市"),
            ("3306", "绍兴市"),
            ("3307", "金华市"),
            ("3310", "台州市"),
        ],
    ),
    ("34", "安徽省", "皖", 3.5, [("3401", "合肥市"), ("3402", "芜湖市"), ("3403", "蚌埠市")]),
    (
        "35",
        "福建省",
        "闽",
        4.0,
        [("3501", "福州市"), ("3502", "厦门市"), ("3505", "泉州市"), ("3506", "漳州市")],
    ),
    ("36", "江西省", "赣", 2.5, [("3601", "南昌市"), ("3604", "九江市"), ("3607", "赣州市")]),
    (
        "37",
        "山东省",
        "鲁",
        8.5,
        [
            ("3701", "济南市"),
            ("3702", "青岛市"),
            ("3703", "淄博市"),
            ("3706", "烟台市"),
            ("3707", "潍坊市"),
            ("3713", "临沂市"),
        ],
    ),
    (
        "41",
        "河南省",
        "豫",
        5.0,
        [("4101", "郑州市"), ("4103", "洛阳市"), ("4107", "新乡市"), ("4113", "南阳市")],
    ),
    ("42", "湖北省", "鄂", 3.8, [("4201", "武汉市"), ("4205", "宜昌市"), ("4206", "襄阳市")]),
    (
        "43",
        "湖南省",
        "湘",
        3.3,
        [("4301", "长沙市"), ("4302", "株洲市"), ("4303", "湘潭市"), ("4306", "岳阳市")],
    ),
    (
        "44",
        "广东省",
        "粤",
        16.0,
        [
            ("4401", "广州市"),
            ("4403", "深圳市"),
            ("4404", "珠海市"),
            ("4405", "汕头市"),
            ("4406", "佛山市"),
            ("4407", "江门市"),
            ("4413", "惠州市"),
            ("441900", "东莞市"),
            ("442000", "中山市"),
        ],
    ),
    (
        "45",
        "广西壮族自治区",
        "桂",
        2.3,
        [("4501", "南宁市"), ("4502", "柳州市"), ("4503", "桂林市")],
    ),
    ("46", "海南省", "琼", 1.0, [("4601", "海口市"), ("4602", "三亚市")]),
    (
        "50",
        "重庆市",
        "渝",
        2.6,
        [
            ("500103", "渝中区"),
            ("500105", "江北区"),
            ("500106", "沙坪坝区"),
            ("500108", "南岸区"),
            ("500112", "渝北区"),
        ],
    ),
    (
        "51",
        "四川省",
        "川",
        4.5,
        [("5101", "成都市"), ("5106", "德阳市"), ("5107", "绵阳市"), ("5113", "南充市")],
    ),
    ("52", "贵州省", "黔", 1.7, [("5201", "贵阳市"), ("5203", "遵义市")]),
    ("53", "云南省", "滇", 2.2, [("5301", "昆明市"), ("5303", "曲靖市"), ("5304", "玉溪市")]),
    ("54", "西藏自治区", "藏", 0.15, [("5401", "拉萨市")]),
    ("61", "陕西省", "陕", 2.6, [("6101", "西安市"), ("6103", "宝鸡市"), ("6104", "咸阳市")]),
    ("62", "甘肃省", "甘", 0.9, [("6201", "兰州市"), ("6205", "天水市")]),
    ("63", "青海省", "青", 0.3, [("6301", "西宁市")]),
    ("64", "宁夏回族自治区", "宁", 0.4, [("6401", "银川市")]),
    ("65", "新疆维吾尔自治区", "新", 1.2, [("6501", "乌鲁木齐市"), ("6502", "克拉玛依市")]),
]

# District digits drawn for a prefecture-level city (02–06: urban districts, 11–13: newer ones).
DISTRICT_SUFFIXES = ("02", "03", "04", "05", "06", "11", "12", "13")

PROVINCES: list[Province] = []
CITIES: list[City] = []
# How many enterprises each city registers, relative to the others.
CITY_WEIGHTS: list[float] = []

for _prefix, _name, _abbr, _weight, _cities in _TABLE:
    assert _prefix in PROVINCE_PREFIXES, _prefix
    _province = Province(_prefix, _name, _abbr, _weight, municipality=len(_cities[0][0]) == 6)
    PROVINCES.append(_province)
    # the capital (first listed) registers more than the others
    _shares = [2.0 if i == 0 else 1.0 for i in range(len(_cities))]
    for (_code, _city_name), _share in zip(_cities, _shares, strict=True):
        _full = _name + _city_name if _province.municipality else _city_name
        CITIES.append(City(_code, _full, _province))
        CITY_WEIGHTS.append(_weight * _share / sum(_shares))

# National registrations (central SOEs registered with SAMR) use division 100000.
NATIONAL_DIVISION = "100000"
