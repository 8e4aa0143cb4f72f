"""Facts in what a buyer typed: the baby's age, a requested delivery date, an invoice title
and tax id, each kept with the words it was read from (its span).

Pure and total: `extract(texts, reference)` never raises (a failure inside the grammar is
caught and reported as `NoteFacts.error`; the facts are then simply missing), so reading
notes can never block intake. `reference` is the day the note was written (the order's
placing date): a date without a year is the next such day on or after it, and a weekday
("周五前", "by Friday") the next such day after it.

Grammar (case-insensitive; full-width digits and punctuation are read as ASCII):

    number   := digits ["." digits] | chinese numerals (零〇一二两三四五六七八九十百千)
    age (zh) := number 岁 [半] [[零|又] number [个] 月] | 半岁 | number [个] [半] 月 [大]
              | number (周|星期|礼拜) [大] | number 天 [大] | [刚]满月 | 百天
    age (en) := number (year|yr|month|mo|week|wk|day)s ["and" number unit]... ["old"]
              | number-unit-old ("18-month-old") | half a year
    An age counts only next to a child: a child word (宝宝 宝贝 孩子 小孩 儿子 女儿 娃 婴儿
    小朋友 闺女; baby son daughter child kid infant toddler newborn "little one") at most a
    few characters before it, or "大"/"old" right after it; an age followed by 前/后/以内
    ("3个月前", "2 months ago") is a time, not an age; 11月24日 is a date and a month after
    生日/出生/预产期 a birthday. 多 ("两个多月") is ignored (2); 快/将近/不到/almost/nearly
    before an age means not yet (快6个月 -> 5). The first age found wins.
    date     := YYYY-MM-DD | YYYY/MM/DD | [YYYY年] M月D(日|号) | D号 | MM/DD (en: month first)
              | Mon[th] D[st|nd|rd|th] [, YYYY] | D Mon[th] [YYYY] | 明天 | 后天
              | [下]周X | [下]星期X | [next] Monday...Sunday
    delivery := date followed by (前|之前|以前) and a delivery word (送到 送达 到货 收到 到 送),
                or a date right after 送达日期/配送日期/delivery date/deliver by/arrive by/
                need it by/no later than/before/by
    invoice  := (发票抬头|抬头|开票抬头|发票名称|invoice title|invoice to|invoice name|
                bill to|company name for invoice) [:：为是]  title-text
                title-text stops at a comma, full stop, semicolon, new line or a tax-id cue
    tax id   := (税号|纳税人识别号|统一社会信用代码|信用代码|tax id|tax no|vat [no|number]|tin)
                [:：]  [0-9A-Z-]{8,20}

    birth    := YYYY (年|-|/|.) M [月] [D (日|号)] next to 出生/生于/生的/生日/出生日期/born/DOB
                (before it, or 出生/生 right after it): the age at `reference`, in whole months
                (a due date after it, 预产期: 0); the baby's, unless the buyer speaks of
                themself (本人/我/自己/I was/my), then the buyer's age in years
    self age := (本人|我|自己)[今年|已经|已]number岁 | (I'm|I am|my age is) number [years old]
              | j'ai number ans | ich bin number [Jahre alt] | (私|僕)[は]number歳 | number歳以上
              | I'm turning number | my [own] number(st|nd|rd|th) birthday (these two: number-1):
                the buyer's own age (an age-restricted product reads it)
    ages in French, German, Japanese: number (mois|an|semaine|jour|Monat|Jahr|Woche|Tag)
              [(et|und) number unit] next to fils/fille/bébé/Sohn/Tochter/Kind or "alt";
              Japanese ヶ月/か月/カ月 and 歳/才 read as 个月 and 岁 (息子は9ヶ月)
    birth attribute := an attribute named like a date of birth (buyer_birth_date, dob,
              Geburtsdatum, 生年月日, ...) holding a date: the buyer's age, or the baby's when
              the name says baby/child/宝宝

Ages come out in whole months, rounded down (a baby "刚满3个月" or "14 weeks old" is 3
months; "两岁半" is 30; days and weeks count 30.4375 and 7 days a month and a week).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Literal

FactKind = Literal["baby_age_months", "requested_delivery", "invoice_title", "invoice_tax_id",
                   "buyer_age_years"]

# Where a channel puts what the buyer typed (attribute names; see docs/channels.md).
NOTE_ATTRIBUTES: tuple[str, ...] = (
    "buyer_message", "buyer_memo", "buyer_words", "customer_note", "note", "remark",
    "seller_memo",
)
# Any other attribute whose name says it is a note (Shopify note attributes, CSV columns).
_NOTE_NAME = re.compile(r"note|message|remark|comment|memo|instruction|备注|留言|附言|说明",
                        re.IGNORECASE)
# Attribute names that carry the baby's age in words ("Baby age": "3 months").
_AGE_NAME = re.compile(r"baby|infant|child|宝宝|婴儿|月龄|孩子", re.IGNORECASE)
# Attribute names that carry a date of birth as a structured value: checkout-field plugins'
# WooCommerce meta (`_billing_birthdate`, `billing_birth_date`, `date_of_birth`, `dob`),
# Shopify cart attributes ("Date de naissance", "Geburtsdatum", "生年月日", "出生日期"). The
# buyer's own, unless the name says it is the baby's ("Baby birthday", "宝宝出生日期").
_BIRTH_NAME = re.compile(r"birth|\bdob\b|^_?dob$|geburt|naissance|nacimiento|生年月日|出生|生日",
                         re.IGNORECASE)
# ... unless it names a date about a birthday, not the birth ("birthday_gift_delivery",
# "生日蛋糕配送日期"): a delivery or party date read as a date of birth is an age of 0
_NOT_BIRTH_NAME = re.compile(r"rebirth|deliver|ship|gift|card|message|party|cake|wish|"
                             r"event|配送|送达|送货|蛋糕|礼|贺卡|派对|祝福", re.IGNORECASE)
# A canonical attribute adapters put a buyer's birth date under (WooCommerce meta).
BIRTH_DATE_ATTRIBUTE = "buyer_birth_date"

# The attributes the extracted facts are kept under on the order.
FACT_ATTRIBUTES: dict[FactKind, str] = {
    "baby_age_months": "note_baby_age_months",
    "requested_delivery": "note_requested_delivery",
    "invoice_title": "note_invoice_title",
    "invoice_tax_id": "note_invoice_tax_id",
    "buyer_age_years": "note_buyer_age_years",
}
SPAN_SUFFIX = "_span"
ERROR_ATTRIBUTE = "note_facts_error"
# Attributes that carry the buyer's own words (kept encrypted, shown only with a full view).
FREE_TEXT_FACTS = frozenset({
    *(f"{name}{SPAN_SUFFIX}" for name in FACT_ATTRIBUTES.values()),
    FACT_ATTRIBUTES["invoice_title"], FACT_ATTRIBUTES["invoice_tax_id"],
})
MAX_TEXT = 2000  # characters of a note read; the rest is ignored


@dataclass(frozen=True, slots=True)
class NoteFact:
    """One fact: its value as text, the attribute it came from and the words it was read
    from (`span` = the characters `start:end` of that attribute's value)."""

    kind: FactKind
    value: str
    source: str
    start: int
    end: int
    span: str


@dataclass(frozen=True, slots=True)
class NoteFacts:
    facts: list[NoteFact] = field(default_factory=list)
    error: str = ""  # the extractor failed: the facts are missing, the checks say so

    def get(self, kind: FactKind) -> NoteFact | None:
        return next((f for f in self.facts if f.kind == kind), None)

    def as_attributes(self) -> dict[str, str]:
        """The facts as order attributes: the value and its span for each kind found."""
        out: dict[str, str] = {}
        for fact in self.facts:
            name = FACT_ATTRIBUTES[fact.kind]
            out[name] = fact.value
            out[f"{name}{SPAN_SUFFIX}"] = f"{fact.source}: {fact.span}"
        if self.error:
            out[ERROR_ATTRIBUTE] = self.error
        return out


# ----- numbers --------------------------------------------------------------------------------

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMBER = "[零〇一二两俩三四五六七八九十百千]+"
_EN_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
             "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18,
             "twenty": 20}
_EN_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(sorted(_EN_WORDS, key=len, reverse=True))


def chinese_number(text: str) -> int:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 两 -> 2; ValueError otherwise."""
    if not text or any(c not in _ZH_DIGITS and c not in _ZH_UNITS for c in text):
        raise ValueError(f"not a Chinese number: {text!r}")
    total, digit = 0, None
    for char in text:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
            continue
        unit = _ZH_UNITS[char]
        total += (1 if digit is None else digit) * unit
        digit = None
    return total + (digit or 0)


def number(text: str) -> Decimal:
    """A number written in digits, Chinese characters or English words."""
    text = text.strip().lower()
    if text in _EN_WORDS:
        return Decimal(_EN_WORDS[text])
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(chinese_number(text))


# ----- ages -----------------------------------------------------------------------------------

_NUM = rf"(?:\d+(?:\.\d+)?|{_ZH_NUMBER})"
_MONTHS_PER = {"year": Decimal(12), "month": Decimal(1), "week": Decimal(7) / Decimal("30.4375"),
               "day": Decimal(1) / Decimal("30.4375")}
_ZH_AGE = re.compile(
    rf"(?P<special>百天|半岁|满月)"
    rf"|(?P<y>{_NUM})\s*岁(?P<yhalf>半)?多?(?:[零又]?(?P<ym>{_NUM})\s*个?\s*多?\s*月)?"
    rf"|(?P<m>{_NUM})\s*个?\s*多?\s*(?P<mhalf>半)?\s*月"
    rf"|(?P<w>{_NUM})\s*多?\s*(?:周|星期|礼拜)"
    rf"|(?P<d>{_NUM})\s*多?\s*天"
)
# English, French and German units (mois, ans, semaines, jours; Monat(e), Jahr(e), Woche(n),
# Tag(e)); two parts joined by and/und/et ("1 Jahr und 5 Monate", "1 an et 3 mois")
_EN_UNIT = (r"(?P<{name}>years?|yrs?|months?|mos?|weeks?|wks?|days?|mois|ans?|semaines?|"
            r"jours?|monate?n?|jahre?n?|wochen?|tage?n?)")
_EN_AGE = re.compile(
    rf"\b(?P<half>half\s+a\s+year)\b"
    rf"|\b(?P<n1>{_EN_NUMBER})\s*-?\s*{_EN_UNIT.format(name='u1')}"
    rf"(?:\s*(?:,|and|und|et)?\s*(?P<n2>{_EN_NUMBER})\s*-?\s*"
    rf"{_EN_UNIT.format(name='u2')})?\b",
    re.IGNORECASE,
)
_ZH_CHILD = re.compile(r"宝宝|宝贝|孩子|小孩|儿子|女儿|娃|婴儿|小朋友|闺女|bb|baby"
                       r"|息子|娘|赤ちゃん|子供|子ども|こども|孫", re.IGNORECASE)  # 息子は9ヶ月
_EN_CHILD = re.compile(r"\b(?:baby|son|daughter|child|kid|infant|toddler|newborn|little one|"
                       r"grandson|granddaughter|twins?|bub|"
                       r"b[ée]b[ée]|fils|fille|enfant|petite?-?fils|petite?-?fille)\b"
                       r"|(?-i:\b(?:Sohn|Tochter|Kind(?!\s+(?:[Rr]egards?|[Ww]ishes))|Kleine[rn]?|"
                       r"Enkel(?:in)?|Säugling)\b)",
                       re.IGNORECASE)
_ZH_NOT_AGE_AFTER = re.compile(r"\s*(?:前|后|以前|以后|之前|之后|以内|内|左右前|保质|的?时候"
                               r"|分|的量|用量)")  # 2ヶ月分 (2 months' worth): a supply
_EN_NOT_AGE_AFTER = re.compile(r"\s*(?:ago|later|before|after|from now|supply|worth|of|"
                               r"plus\s+tard|später|garantiert|"
                               # "3 months warranty", "9 mois de garantie": a guarantee
                               r"(?:de\s+|d'|of\s+)?(?:garantie|warranty|guarantee|"
                               r"gewährleistung|garantía)|"
                               # "2 days shipping", "2 Tage Lieferung": a delivery time
                               r"(?:de\s+)?(?:shipping|delivery|lieferung|lieferzeit|versand|"
                               r"livraison))\b", re.IGNORECASE)
# "il y a 3 mois" (3 months ago), "vor 3 Monaten", "in 2 weeks", "depuis 2 mois": a time
_EN_NOT_AGE_BEFORE = re.compile(r"\b(?:il\s+y\s+a|depuis|dans|pendant|vor|seit|in|within|"
                                r"innerhalb(?:\s+von)?)\s*$", re.IGNORECASE)
_ZH_DAY_AFTER = re.compile(rf"\s*(?:\d{{1,2}}|{_ZH_NUMBER})\s*[日号]")  # 11月24日: a date
_ZH_BIRTH = re.compile(r"生日|出生|生于|预产期|生的")
_ZH_SINCE_BIRTH = re.compile(r"出生\s*(?:了|才|刚|刚刚|已经|已|有|满)?\s*$")
_ALMOST = re.compile(r"(?:快|将近|不到|almost|nearly|not\s+yet|under)\s*$", re.IGNORECASE)
_ZH_AFTER_AGE = re.compile(r"\s*(?:大|的宝宝|的孩子|的小孩|宝宝|的娃)")
_EN_OLD = re.compile(r"\s*-?\s*(?:old|alt)\b", re.IGNORECASE)  # "3 Monate alt"
# Japanese counters read as the Chinese ones, one character for one (spans stay true):
# 9ヶ月 / 9か月 / 9カ月 as 9个月, 2歳 / 2才 as 2岁
_JA_MONTH = re.compile(r"(?<=[\d〇一二三四五六七八九十])\s?[ヶかカヵケ箇](?=月)")
_JA_YEAR = re.compile(r"(?<=[\d〇一二三四五六七八九十])[歳才]")


def japanese_as_chinese(text: str) -> str:
    """Japanese month and year counters as 个月 and 岁, keeping every other character."""
    text = _JA_MONTH.sub(lambda m: m.group(0).replace(m.group(0).strip(), "个"), text)
    return _JA_YEAR.sub("岁", text)


def _en_unit(word: str) -> str:
    word = word.lower()
    if word.startswith(("y", "an", "jahr")):
        return "year"
    if word.startswith(("w", "semaine")):
        return "week"
    if word.startswith(("d", "jour", "tag")):
        return "day"
    return "month"


# A baby spoken of as he or she, or an age it turned: "He's 9 months", "turned 8 months
# last week" (months, weeks and days only: "she is 30 years old" may be anyone)
_EN_PRONOUN = re.compile(r"(?:\b(?:he|she)(?:'s|\s+is|\s+was|\s+turned|\s+turns)?|"
                         r"\bturn(?:ed|s|ing)|\bil\s+a|\belle\s+a|\ber\s+ist|\bsie\s+ist)"
                         r"\s*(?:just\s+|only\s+|now\s+|already\s+|juste\s+|erst\s+)?$",
                         re.IGNORECASE)


# ... and only when the age ends its clause ("He's 9 months.", "turned 8 months last
# week"): "il a 2 semaines de retard", "er ist 3 Tage nicht da", "she was 2 weeks late"
# are times, not ages
_PRONOUN_AGE_END = re.compile(r"\s*(?:$|[.,;:!?)\]]|(?:now|today|yesterday|last|this|"
                              r"already|maintenant|aujourd|hier|heute|jetzt|gestern|"
                              r"letzte[nr]?)\b)", re.IGNORECASE)


def _zh_months(m: re.Match[str]) -> Decimal:
    special = m.group("special")
    if special:
        return {"百天": Decimal(100) * _MONTHS_PER["day"], "半岁": Decimal(6),
                "满月": Decimal(1)}[special]
    if m.group("y"):
        months = number(m.group("y")) * 12
        if m.group("yhalf"):
            months += 6
        if m.group("ym"):
            months += number(m.group("ym"))
        return months
    if m.group("m"):
        return number(m.group("m")) + (Decimal("0.5") if m.group("mhalf") else 0)
    if m.group("w"):
        return number(m.group("w")) * _MONTHS_PER["week"]
    return number(m.group("d")) * _MONTHS_PER["day"]


def _near_child(text: str, start: int, pattern: re.Pattern[str], window: int) -> bool:
    return pattern.search(text[max(0, start - window):start]) is not None


def find_age(text: str, *, in_context: bool = False) -> tuple[int, int, int] | None:
    """(months, start, end) of the first baby's age in `text`; `in_context` means the text
    is known to be about the baby (an attribute named "baby age"), so no child word is
    needed."""
    text = japanese_as_chinese(text)
    for m in _ZH_AGE.finditer(text):
        after = text[m.end():]
        if _ZH_NOT_AGE_AFTER.match(after):
            continue
        if m.group("m") and "个" not in m.group(0) and _ZH_DAY_AFTER.match(after):
            continue  # 11月24日 is a date, not eleven months
        since_birth = _ZH_SINCE_BIRTH.search(text[max(0, m.start() - 8):m.start()]) and (
            m.group("d") or m.group("w") or "个" in m.group(0))
        if _ZH_BIRTH.search(text[max(0, m.start() - 8):m.start()]) and not since_birth:
            continue  # 生日是3月: a birthday (but 出生20天, 出生3个月: days since birth)
        end = m.end()
        big = _ZH_AFTER_AGE.match(after)
        if big:
            end += big.end()
        if not (in_context or big or _near_child(text, m.start(), _ZH_CHILD, 8)):
            continue
        return _below(_zh_months(m), text, m.start()), _span_start(text, m.start()), end
    for m in _EN_AGE.finditer(text):
        after = text[m.end():]
        if _EN_NOT_AGE_AFTER.match(after):
            continue
        if _EN_NOT_AGE_BEFORE.search(text[max(0, m.start() - 20):m.start()]):
            continue
        old = _EN_OLD.match(after)
        if m.group("n1") and m.group("n1").lower() in ("a", "an") and not old:
            continue  # "in a day", "a week ago": not an age unless "a year old"
        small = m.group("u1") is not None and _en_unit(m.group("u1")) != "year"
        pronoun = (small and _EN_PRONOUN.search(text[max(0, m.start() - 20):m.start()])
                   and _PRONOUN_AGE_END.match(after))
        if not (in_context or old or pronoun or _near_child(text, m.start(), _EN_CHILD, 30)):
            continue
        if m.group("half"):
            months = Decimal(6)
        else:
            months = number(m.group("n1")) * _MONTHS_PER[_en_unit(m.group("u1"))]
            if m.group("n2"):
                months += number(m.group("n2")) * _MONTHS_PER[_en_unit(m.group("u2"))]
        return _below(months, text, m.start()), m.start(), m.end() + (old.end() if old else 0)
    return None


def _below(months: Decimal, text: str, start: int) -> int:
    """Whole months; "快6个月" / "almost 6 months" is not yet 6: 5."""
    if _ALMOST.search(text[max(0, start - 10):start]):
        return max(0, -int(-months // 1) - 1)
    return int(months)


def _span_start(text: str, start: int) -> int:
    """Take the child word and 刚满/已经 before an age into its span (宝宝刚满3个月)."""
    before = text[max(0, start - 8):start]
    found = list(_ZH_CHILD.finditer(before))
    if found:
        return start - len(before) + found[-1].start()
    return start


# ----- birth dates and the buyer's own age ------------------------------------------------------

_BIRTH_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(?P<m>1[0-2]|0?[1-9])\s*月?"
    r"(?:\s*(?:-|/|\.)?\s*(?P<d>3[01]|[12]\d|0?[1-9])\s*[日号]?)?")
_BIRTH_BEFORE = re.compile(r"(?:出生日期|出生|生于|生日|生的|born(?:\s+(?:on|in))?|d\.?o\.?b\.?|"
                           r"date of birth|birthday)\s*(?:是|为|:)?\s*$", re.IGNORECASE)
_BIRTH_AFTER = re.compile(r"\s*(?:出生|出世|生的|生)")
_SELF_BIRTH_YEAR = re.compile(
    r"(?:本人|我|自己)\s*(?:是)?\s*(?P<y>(?:19|20)\d{2})\s*年\s*(?:出生|生)")
_DUE_BEFORE = re.compile(r"(?:预产期|due date|due)\s*(?:是|为|:)?\s*$", re.IGNORECASE)
_SELF = re.compile(r"本人|我|自己|\bI\b|\bmy\b|\bmyself\b", re.IGNORECASE)
_ZH_SELF_AGE = re.compile(rf"(?:本人|我|自己)(?:今年|已经|已|现在)?(?:满)?\s*(?P<n>{_NUM})\s*周?岁"
                          r"(?!\s*(?:大)?的?\s*(?:宝宝|宝贝|孩子|小孩|儿子|女儿|娃|婴儿|小朋友|闺女))")
_EN_SELF_AGE = re.compile(r"\b(?:I'?m|I am|my age is|I turned)\s+(?P<n>\d{1,3})"
                          r"(?:\s*(?:years?|yrs?)(?:\s*old)?|\s*y/?o)?\b(?!\s*(?:months?|weeks?|days?|%|kg|g\b|min|hours?|hrs?\b|h\b))",
                          re.IGNORECASE)
# The buyer's own age in French, German and Japanese: "j'ai 17 ans", "ich bin 17 (Jahre
# alt)", "私は17歳", "20歳以上です" (the age a buyer confirms)
_OTHER_SELF_AGE = re.compile(
    r"\bj'?\s?ai\s+(?P<n>\d{1,3})\s*ans\b(?!\s*(?:d'|de\b))"  # "2 ans d'abonnement"
    r"|\bich\s+bin\s+(?P<n2>\d{1,3})(?:\s*jahre?(?:\s*alt)?)?\b"
    r"(?!\s*(?:monat|woche|tag|uhr|h\b)|[.:,]\d)"  # "ich bin 16 Uhr / 15.30 da": a time
    # (not "私は3歳の娘がいます": I have a 3-year-old daughter)
    r"|(?:私|わたし|僕|ぼく|俺)\s*(?:は|が)?\s*(?P<n3>\d{1,3})\s*[歳才](?!\s*(?:の|児))"
    # "20歳以上です": the buyer confirming; a bare "3岁以上" is a product's age range
    r"|(?P<n4>\d{1,3})\s*[歳才]\s*以上\s*(?:です|である|だ)",
    re.IGNORECASE)
# Turning an age, or an ordinal birthday of the buyer's own ("I'm turning 17", "for my
# own 17th birthday"): not yet that age, so the age below it (a lower bound, as a birth
# year alone gives), which is what an age-restricted product must judge
_EN_TURNING = re.compile(
    r"\b(?:I'?m|I am|I'?ll be|I will be|am)\s+(?:about\s+to\s+be\s+|almost\s+|nearly\s+)?"
    r"(?:turning\s+)?(?P<t>\d{1,3})\s+(?:soon|next\s+\w+)\b"
    r"|\b(?:I'?m|I am|am)\s+(?:about\s+)?turning\s+(?P<t2>\d{1,3})\b"
    r"|\bmy\s+(?:own\s+|very\s+own\s+)?(?P<t3>\d{1,3})(?:st|nd|rd|th)\s+birthday\b",
    re.IGNORECASE)


def _months_between(born: date, reference: date) -> int:
    months = (reference.year - born.year) * 12 + reference.month - born.month
    if reference.day < born.day:
        months -= 1
    return months


def find_birth(text: str, reference: date) -> tuple[int, bool, int, int] | None:
    """(age in whole months at `reference`, the buyer's own?, start, end) of the first
    birth date or due date in `text`: "宝宝2025年6月出生", "生于2024-03-15", "born June 2025"
    is read by `find_birth_en`. A birth after `reference` (a due date) is 0 months."""
    for m in _BIRTH_DATE.finditer(text):
        before, after = text[max(0, m.start() - 12):m.start()], text[m.end():]
        due = _DUE_BEFORE.search(before) is not None
        tail = _BIRTH_AFTER.match(after)
        if not (due or tail or _BIRTH_BEFORE.search(before)):
            continue
        day = int(m.group("d")) if m.group("d") else 1
        try:
            born = date(int(m.group("y")), int(m.group("m")), day)
        except ValueError:
            continue
        months = max(0, _months_between(born, reference))
        own = _SELF.search(text[max(0, m.start() - 8):m.start()]) is not None and not (
            _near_child(text, m.start(), _ZH_CHILD, 8)
            or _near_child(text, m.start(), _EN_CHILD, 20))
        end = m.end() + (tail.end() if tail else 0)
        start = _span_start(text, m.start())
        return months, own, start, end
    year = _SELF_BIRTH_YEAR.search(text)  # "本人2008年出生": a year only, the lower bound
    if year is not None:
        years = reference.year - int(year.group("y")) - 1
        if years >= 0:
            return years * 12, True, year.start(), year.end()
    return find_birth_en(text, reference)


def find_birth_en(text: str, reference: date) -> tuple[int, bool, int, int] | None:
    """"born June 2025", "born on 3 March 2024", "DOB: Mar 15, 2024", "due July 2027"."""
    m = _EN_BORN_RE.search(text)
    if m is None:
        return None
    day = int(m.group("d1") or m.group("d2") or 1)
    try:
        born = date(int(m.group("y")), _MONTHS[m.group("mon").lower().rstrip(".")], day)
    except (ValueError, KeyError):
        return None
    own = re.search(r"\bI (?:was|am)\s*$", text[max(0, m.start() - 10):m.start()],
                    re.IGNORECASE) is not None
    return max(0, _months_between(born, reference)), own, m.start(), m.end()


def find_self_age(text: str) -> tuple[int, int, int] | None:
    """(years, start, end) of the buyer's own age: "本人今年16岁", "I'm 17", "j'ai 17 ans",
    "ich bin 17", "私は17歳", "20歳以上"; "I'm turning 17" and "my own 17th birthday" are
    16 (not yet 17)."""
    for pattern in (_ZH_SELF_AGE, _EN_SELF_AGE, _OTHER_SELF_AGE):
        m = pattern.search(text)
        if m is not None:
            found = next(g for g in (m.groupdict().get(k) for k in ("n", "n2", "n3", "n4")) if g)
            return int(number(found)), m.start(), m.end()
    m = _EN_TURNING.search(text)
    if m is not None:
        found = next(g for g in (m.group("t"), m.group("t2"), m.group("t3")) if g)
        return max(0, int(found) - 1), m.start(), m.end()
    return None


# ----- delivery dates -------------------------------------------------------------------------

_MONTHS = {name: i + 1 for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"))) for name in names}
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
_EN_BORN_RE = re.compile(
    r"\b(?:born(?:\s+(?:on|in))?|d\.?o\.?b\.?:?|date of birth:?|due(?:\s+date)?(?:\s+(?:on|in))?:?)"
    rf"\s+(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?P<mon>{_MONTH_NAME})\.?"
    r"(?:\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?)?,?\s+(?P<y>(?:19|20)\d{2})\b",
    re.IGNORECASE)
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAYS_EN = {d: i for i, d in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_DATE = re.compile(
    r"(?P<iy>\d{4})[-/.年](?P<im>\d{1,2})[-/.月](?P<id>\d{1,2})[日号]?"
    rf"|(?:(?P<cy>\d{{4}})年)?(?P<cm>\d{{1,2}}|{_ZH_NUMBER})月(?P<cd>\d{{1,2}}|{_ZH_NUMBER})[日号]"
    r"|(?<![\d/])(?P<hd>\d{1,2})号"
    r"|(?<![\d/.])(?P<sm>\d{1,2})/(?P<sd>\d{1,2})(?![\d/])"
    rf"|\b(?P<nm>{_MONTH_NAME})\.?\s+(?P<nd>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<ny>\d{{4}}))?\b"
    rf"|\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>{_MONTH_NAME})\b\.?(?:,?\s+(?P<dy>\d{{4}}))?"
    r"|(?P<rel>明天|后天|大后天|tomorrow)"
    r"|(?P<znext>下个?)?(?:周|星期|礼拜)(?P<zwd>[一二三四五六日天])"
    r"|\b(?P<enext>next\s+)?(?P<ewd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_ZH_DELIVERY_AFTER = re.compile(
    r"\s*(?:之前|以前|前)\s*(?:一定|务必|必须|请|要|能)?\s*(?:要|能|帮忙)?\s*"
    r"(?:送到|送达|到货|收到|寄到|到达|到|送|发货|发出|发)"
    r"|\s*(?:送到|送达|到货|收到|到达)"
)
_DELIVERY_BEFORE = re.compile(
    r"(?:送达日期|配送日期|送货日期|期望送达|期望到货|到货日期|收货日期|"
    r"delivery\s+date|deliver(?:ed)?\s+(?:it\s+|them\s+)?(?:by|before|on)|arrive\s+(?:by|before|on)|"
    r"need(?:ed)?\s+(?:it|this|them)\s+(?:by|before)|no\s+later\s+than|get\s+it\s+by|"
    r"in\s+time\s+for|by|before)\s*[:：]?\s*(?:the\s+)?$",
    re.IGNORECASE,
)


def _resolve_date(m: re.Match[str], reference: date) -> date | None:
    def year_for(month: int, day: int, year: str | None) -> date:
        if year:
            return date(int(year), month, day)
        found = date(reference.year, month, day)
        return found if found >= reference else date(reference.year + 1, month, day)

    g = m.group
    if g("iy"):
        return date(int(g("iy")), int(g("im")), int(g("id")))
    if g("cm"):
        return year_for(int(number(g("cm"))), int(number(g("cd"))), g("cy"))
    if g("hd"):
        day = int(g("hd"))
        month, year = reference.month, reference.year
        if day < reference.day:
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        return date(year, month, day)
    if g("sm"):
        return year_for(int(g("sm")), int(g("sd")), None)
    if g("nm"):
        return year_for(_MONTHS[g("nm").lower()], int(g("nd")), g("ny"))
    if g("dm"):
        return year_for(_MONTHS[g("dm").lower()], int(g("dd")), g("dy"))
    if g("rel"):
        days = {"明天": 1, "tomorrow": 1, "后天": 2, "大后天": 3}[g("rel").lower()]
        return reference + timedelta(days=days)
    if g("zwd") or g("ewd"):
        weekday = _WEEKDAYS_ZH[g("zwd")] if g("zwd") else _WEEKDAYS_EN[g("ewd").lower()]
        ahead = (weekday - reference.weekday()) % 7 or 7
        if g("znext") or g("enext"):
            # 下周五: the Friday of next week (Monday-based weeks)
            monday = reference - timedelta(days=reference.weekday()) + timedelta(days=7)
            return monday + timedelta(days=weekday)
        return reference + timedelta(days=ahead)
    return None


def find_delivery_date(text: str, reference: date) -> tuple[date, int, int] | None:
    """(date, start, end) of the first requested delivery date in `text`."""
    for m in _DATE.finditer(text):
        after = _ZH_DELIVERY_AFTER.match(text, m.end())
        before = _DELIVERY_BEFORE.search(text[max(0, m.start() - 40):m.start()])
        if not (after or before):
            continue
        try:
            found = _resolve_date(m, reference)
        except ValueError:  # 2月30日, 13/45: not a day
            continue
        if found is None or found < reference - timedelta(days=1):
            continue
        start = m.start() - len(before.group(0)) if before else m.start()
        return found, start, after.end() if after else m.end()
    return None


# ----- invoice title and tax id ---------------------------------------------------------------

_TITLE = re.compile(
    r"(?:发票抬头|开票抬头|抬头|发票名称|发票单位|开票单位|开票名称|"
    r"invoice\s+(?:title|header|name|to|for)|bill\s+to|company\s+name\s+(?:for|on)\s+(?:the\s+)?"
    r"invoice|invoice)\s*(?:[:：=]|为|是|写|开)\s*(?P<title>[^,，。;；\n\r|]+)",
    re.IGNORECASE,
)
_TITLE_STOP = re.compile(r"\s*(?:税号|纳税人|统一社会|信用代码|tax\s*(?:id|no)|vat|tin\b)",
                         re.IGNORECASE)
_TAX_ID = re.compile(
    r"(?:税号|纳税人识别号|统一社会信用代码|信用代码|tax\s*id|tax\s*no\.?|tax\s*number|"
    r"vat\s*(?:no\.?|number|id)?|\btin)\s*[:：#]?\s*(?P<id>[0-9A-Z][0-9A-Z-]{7,19})\b",
    re.IGNORECASE,
)


def find_invoice_title(text: str) -> tuple[str, int, int] | None:
    m = _TITLE.search(text)
    if m is None:
        return None
    title = m.group("title")
    stop = _TITLE_STOP.search(title)
    if stop:
        title = title[:stop.start()]
    title = title.strip().strip("\"'“”「」『』【】")
    if not title or len(title) > 100:
        return None
    end = m.start("title") + len(m.group("title").rstrip()) if not stop else (
        m.start("title") + stop.start())
    return title, m.start(), end


def find_tax_id(text: str) -> tuple[str, int, int] | None:
    m = _TAX_ID.search(text)
    if m is None:
        return None
    value = m.group("id").upper()
    if not any(c.isdigit() for c in value):
        return None
    return value, m.start(), m.end()


# ----- the extractor --------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (NFKC keeps the length of
    everything this grammar reads, so spans stay true)."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def note_texts(attributes: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """(attribute, text, about the baby) for every attribute that holds buyer text."""
    out: list[tuple[str, str, bool]] = []
    for name, value in attributes.items():
        if name in FACT_ATTRIBUTES.values() or name.startswith("note_"):
            continue
        if not isinstance(value, str) or not value.strip():
            continue
        if name in NOTE_ATTRIBUTES or _NOTE_NAME.search(name):
            out.append((name, value, False))
        elif _AGE_NAME.search(name) and not value.strip().isdigit():
            out.append((name, value, True))  # "Baby age: 3 months"; digits stay structured
    return out


def birth_date_texts(attributes: Mapping[str, str]) -> list[tuple[str, str, bool]]:
    """(attribute, value, the baby's?) for every attribute whose name says it is a date of
    birth (`_BIRTH_NAME`), the canonical `buyer_birth_date` first."""
    out: list[tuple[str, str, bool]] = []
    for name, value in attributes.items():
        if name.startswith("note_") or not isinstance(value, str) or not value.strip():
            continue
        if is_birth_date_name(name):
            out.append((name, value, bool(_AGE_NAME.search(name))))
    out.sort(key=lambda t: t[0] != BIRTH_DATE_ATTRIBUTE)
    return out


_DATE_VALUE = re.compile(
    r"^\s*(?:(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"|(?P<d2>\d{1,2})\s*[./]\s*(?P<m2>\d{1,2})\s*[./]\s*(?P<y2>(?:19|20)\d{2})"
    r"|(?P<y3>(?:19|20)\d{2})(?P<m3>\d{2})(?P<d3>\d{2}))(?:[ T].*)?\s*$")


def is_birth_date_name(name: str) -> bool:
    """Whether an attribute's name says it holds a date of birth (`_BIRTH_NAME`, not one
    dating a birthday): such a value is personal, kept encrypted (domain/privacy.py)."""
    return name == BIRTH_DATE_ATTRIBUTE or bool(
        _BIRTH_NAME.search(name) and not _NOT_BIRTH_NAME.search(name))


def date_value(text: str) -> date | None:
    """A date of birth as a form writes it: 2009-11-30, 2009/11/30, 2009年11月30日,
    30.11.2009 or 30/11/2009 (day first, as outside the US forms write it), 20091130."""
    m = _DATE_VALUE.match(normalise(text))
    if m is None:
        return None
    y, mo, d = ((m.group("y"), m.group("m"), m.group("d")) if m.group("y") else
                (m.group("y2"), m.group("m2"), m.group("d2")) if m.group("y2") else
                (m.group("y3"), m.group("m3"), m.group("d3")))
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        return None


def extract(texts: Iterable[tuple[str, str, bool]], reference: date,
            births: Iterable[tuple[str, str, bool]] = ()) -> NoteFacts:
    """The facts of `texts` ((source, text, about the baby) as `note_texts` gives them),
    each kind taken from the first text that has it, then of `births` (structured dates
    of birth, `birth_date_texts`) for an age no text gave. Never raises."""
    try:
        return _extract(list(texts), reference, list(births))
    except Exception as exc:  # a note must never stop an order
        return NoteFacts(error=f"buyer note not read ({type(exc).__name__})")


def _extract(texts: list[tuple[str, str, bool]], reference: date,
             births: list[tuple[str, str, bool]] | None = None) -> NoteFacts:
    facts: dict[FactKind, NoteFact] = {}
    for source, raw, about_baby in texts:
        original = raw[:MAX_TEXT]
        text = normalise(original)

        def keep(kind: FactKind, value: str, start: int, end: int,
                 source: str = source, original: str = original) -> None:
            if kind not in facts:
                span = original[start:end].strip()
                facts[kind] = NoteFact(kind, value, source, start, end, span)

        born = find_birth(text, reference)
        if born is not None:
            months, own, start, end = born
            if own:
                keep("buyer_age_years", str(months // 12), start, end)
            else:
                keep("baby_age_months", str(months), start, end)
        age = find_age(text, in_context=about_baby)
        if age is not None:
            keep("baby_age_months", str(age[0]), age[1], age[2])
        self_age = find_self_age(text)
        if self_age is not None:
            keep("buyer_age_years", str(self_age[0]), self_age[1], self_age[2])
        when = find_delivery_date(text, reference)
        if when is not None:
            keep("requested_delivery", when[0].isoformat(), when[1], when[2])
        title = find_invoice_title(text)
        if title is not None:
            keep("invoice_title", title[0], title[1], title[2])
        tax_id = find_tax_id(text)
        if tax_id is not None:
            keep("invoice_tax_id", tax_id[0], tax_id[1], tax_id[2])
    for source, raw, babys in births or []:
        birth_day = date_value(raw)
        if birth_day is None or birth_day > reference:
            continue
        months = _months_between(birth_day, reference)
        kind: FactKind = "baby_age_months" if babys else "buyer_age_years"
        if kind not in facts:
            value = str(months) if babys else str(months // 12)
            facts[kind] = NoteFact(kind, value, source, 0, len(raw), raw.strip())
    order: tuple[FactKind, ...] = ("baby_age_months", "requested_delivery", "invoice_title",
                                    "invoice_tax_id", "buyer_age_years")
    return NoteFacts([facts[k] for k in order if k in facts])


def read_notes(attributes: Mapping[str, str], reference: date) -> dict[str, str]:
    """`attributes` with the facts of its notes added (earlier extracted facts replaced)."""
    kept = {k: v for k, v in attributes.items()
            if k not in FREE_TEXT_FACTS and k not in FACT_ATTRIBUTES.values()
            and k != ERROR_ATTRIBUTE}
    facts = extract(note_texts(kept), reference, birth_date_texts(kept))
    return {**kept, **facts.as_attributes()}
