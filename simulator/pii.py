"""Synthetic but realistic-looking Chinese PII: names, mobile numbers, resident ID numbers.

Everything is vectorised. ID numbers follow GB 11643: 6-digit region + YYYYMMDD + 3-digit
sequence (odd = male) + ISO 7064 MOD 11-2 check character, so staging checks can validate them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
                "袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
                "邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤") + [
    "欧阳", "司马", "上官"]
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红文斌宇浩凯"
             "婷雪琳晨博子轩梓涵一诺欣怡思雨佳俊宏志海波亮飞鑫倩颖慧晓东阳春梅林峰")
MOBILE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153,
                            155, 156, 157, 158, 159, 166, 176, 177, 180, 181, 182, 183, 185,
                            186, 187, 188, 189, 191, 198, 199])
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
CHECK_CHARS = np.array(list("10X98765432"))


def _to_obj(a: pa.Array) -> np.ndarray:
    return a.to_numpy(zero_copy_only=False)


def full_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Surname + one or two given-name characters (surnames weighted towards the common)."""
    w = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.7
    s = pa.array(SURNAMES).take(pa.array(rng.choice(len(SURNAMES), n, p=w / w.sum())))
    g = pa.array(GIVEN)
    g1 = g.take(pa.array(rng.integers(0, len(GIVEN), n)))
    g2 = g.take(pa.array(rng.integers(0, len(GIVEN), n)))
    two = pa.array(rng.random(n) < 0.7)
    given = pc.if_else(two, pc.binary_join_element_wise(g1, g2, ""), g1)
    return _to_obj(pc.binary_join_element_wise(s, given, ""))


def phones(rng: np.random.Generator, user_idx: np.ndarray, salt: int) -> np.ndarray:
    """11-digit mobiles; the 8-digit subscriber part is a bijection of the user index, so
    numbers never collide between users."""
    suffix = (user_idx.astype(np.int64) * 48_271 + salt) % 100_000_000
    num = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), len(user_idx))] * 10**8 + suffix
    return _to_obj(pa.array(num).cast(pa.string()))


def id_numbers(rng: np.random.Generator, region: np.ndarray, birth_day: np.ndarray,
               gender: np.ndarray) -> np.ndarray:
    """18-char resident ids consistent with birth date and gender (0=F, 1=M, 2=U random)."""
    n = len(region)
    ymd = birth_day.astype("datetime64[D]").astype(str)
    ymd_num = np.char.replace(ymd, "-", "").astype(np.int64)
    seq = rng.integers(0, 500, n) * 2  # even
    male = np.where(gender == 2, rng.random(n) < 0.5, gender == 1)
    seq = seq + male  # odd sequence = male
    body = region.astype(np.int64) * 10**11 + ymd_num * 1000 + seq
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)[None, :]) % 10
    check = CHECK_CHARS[(digits @ ID_WEIGHTS) % 11]
    txt = pc.binary_join_element_wise(pa.array(body).cast(pa.string()), pa.array(check), "")
    return _to_obj(txt)


def id_check_char(id17: str) -> str:
    """Check character for a 17-digit body (scalar helper used by tests)."""
    return str(CHECK_CHARS[sum(int(c) * w for c, w in zip(id17, ID_WEIGHTS, strict=True)) % 11])
