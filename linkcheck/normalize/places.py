"""Place names shared by company names and addresses (romanised Chinese names, countries, cities)."""

from __future__ import annotations

from .text import word_list

# Chinese place names as they are romanised in English spellings of the same name, so that
# `深圳ACME贸易有限公司` and `Shenzhen Acme Trading Co Ltd` meet. Each also with its
# administrative suffix (深圳市, 广东省, 南山区).
_CITIES = {
    "深圳": "shenzhen", "广州": "guangzhou", "上海": "shanghai", "北京": "beijing", "杭州": "hangzhou",
    "义乌": "yiwu", "东莞": "dongguan", "香港": "hongkong", "厦门": "xiamen", "宁波": "ningbo",
    "苏州": "suzhou", "佛山": "foshan", "珠海": "zhuhai", "中山": "zhongshan", "惠州": "huizhou",
    "泉州": "quanzhou", "金华": "jinhua", "温州": "wenzhou", "南京": "nanjing", "天津": "tianjin",
    "重庆": "chongqing", "成都": "chengdu", "武汉": "wuhan", "长沙": "changsha", "福州": "fuzhou",
    "青岛": "qingdao", "郑州": "zhengzhou", "西安": "xian", "汕头": "shantou", "莆田": "putian",
    "揭阳": "jieyang", "台州": "taizhou", "绍兴": "shaoxing", "嘉兴": "jiaxing", "湖州": "huzhou",
    "常州": "changzhou", "无锡": "wuxi", "南通": "nantong", "合肥": "hefei", "济南": "jinan",
    "昆明": "kunming", "南宁": "nanning", "江门": "jiangmen", "潮州": "chaozhou", "澳门": "macau",
    "台北": "taipei",
}
_PROVINCES = {
    "广东": "guangdong", "浙江": "zhejiang", "江苏": "jiangsu", "福建": "fujian", "山东": "shandong",
    "河北": "hebei", "河南": "henan", "湖南": "hunan", "湖北": "hubei", "安徽": "anhui",
    "江西": "jiangxi", "四川": "sichuan", "广西": "guangxi", "云南": "yunnan", "辽宁": "liaoning",
}
_DISTRICTS = {
    "南山": "nanshan", "福田": "futian", "龙岗": "longgang", "宝安": "baoan", "龙华": "longhua",
    "罗湖": "luohu", "坪山": "pingshan", "光明": "guangming", "盐田": "yantian", "天河": "tianhe",
    "白云": "baiyun", "番禺": "panyu", "海珠": "haizhu", "越秀": "yuexiu", "黄埔": "huangpu",
    "浦东": "pudong", "闵行": "minhang", "徐汇": "xuhui", "朝阳": "chaoyang", "海淀": "haidian",
    "西湖": "xihu", "滨江": "binjiang", "余杭": "yuhang", "萧山": "xiaoshan",
}
_PLACES_ZH = {
    **_CITIES, **{k + "市": v for k, v in _CITIES.items()},
    **_PROVINCES, **{k + "省": v for k, v in _PROVINCES.items()},
    "中国": "china", "中华人民共和国": "china",
}
PLACE_WORDS = frozenset(
    set(_CITIES.values()) | set(_PROVINCES.values()) | set(_DISTRICTS.values())
    | word_list("place_words.txt")
)
_FUNCTION_WORDS = frozenset("and the of de del la le les des du der die das und y et en".split())
