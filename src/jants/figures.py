"""Numbers as printed in text, in English, Russian and Kazakh, for checking evidence.

A web report's evidence is a span of a page that the project does not hold, so the
validator cannot look the figure up at a line. It checks instead that the figure is
in the evidence: `figure_in_text(3811, "3,811 people were detained")` is true, and so
are "87,2 млрд тенге" for 87,200,000,000, "Six protesters" for 6 and "$91 млн" for
91,000,000. Every reading of an ambiguous group ("3,811" as 3811 or 3.811) is tried,
since only a match is claimed, never a value.

>>> figure_in_text(87_200_000_000, "Совокупный ущерб составил около 87,2 млрд тенге")
True
>>> figure_in_text(2677, "Более 2 677 пострадавших")
True
>>> figure_in_text(6, "Six protesters held in pre-trial detention")
True
>>> figure_in_text(41, "Оның ішінде 41 адам бұрын сотталған.")
True
>>> figure_in_text(1000, "Оның 1 мыңнан астам табылды")
True
>>> figure_in_text(5, "суд №2 города Тараз признал пятерых погибших")
True
>>> figure_in_text(3811, "4,404 were detained")
False
"""

from __future__ import annotations

import re
import unicodedata

SCALES = {
    10**3: ["thousand", "thousands", "тыс", "тысяч", "тысячи", "тысяча", "мың"],
    10**6: ["million", "millions", "mln", "mn", "m", "млн", "миллион", "миллиона", "миллионов", "миллиондаған"],
    10**9: ["billion", "billions", "bn", "млрд", "миллиард", "миллиарда", "миллиардов"],
}
WORDS = {
    # English
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a": 1,
    "an": 1,
    # Russian
    "один": 1,
    "одна": 1,
    "одно": 1,
    "одного": 1,
    "два": 2,
    "две": 2,
    "двух": 2,
    "три": 3,
    "трех": 3,
    "трёх": 3,
    "четыре": 4,
    "четырех": 4,
    "пять": 5,
    "пяти": 5,
    "шесть": 6,
    "шести": 6,
    "семь": 7,
    "семи": 7,
    "восемь": 8,
    "восьми": 8,
    "девять": 9,
    "девяти": 9,
    "десять": 10,
    "десяти": 10,
    "одиннадцать": 11,
    "двенадцать": 12,
    "двадцать": 20,
    "тридцать": 30,
    "сто": 100,
    "одной": 1,  # "одной тысячи"
    # Russian collective numerals and the declined forms of сотня (a hundred)
    "двое": 2,
    "двоих": 2,
    "трое": 3,
    "троих": 3,
    "четверо": 4,
    "четверых": 4,
    "пятеро": 5,
    "пятерых": 5,
    "шестеро": 6,
    "шестерых": 6,
    "семеро": 7,
    "семерых": 7,
    "восьмеро": 8,
    "восьмерых": 8,
    "сотня": 100,
    "сотню": 100,
    "сотни": 100,
    # Kazakh
    "бір": 1,
    "екі": 2,
    "үш": 3,
    "төрт": 4,
    "бес": 5,
    "алты": 6,
    "жеті": 7,
    "сегіз": 8,
    "тоғыз": 9,
    "он": 10,
    "жиырма": 20,
    "отыз": 30,
    "жүз": 100,
    # Kazakh collective numerals ("бесеуі": the five of them)
    "екеуі": 2,
    "үшеуі": 3,
    "төртеуі": 4,
    "бесеуі": 5,
    "алтауы": 6,
    "жетеуі": 7,
    # Kazakh in Latin transliteration
    "bir": 1,
    "eki": 2,
    "bes": 5,
    "jeti": 7,
    "segiz": 8,
    "toghyz": 9,
    # Uzbek, bare and with the counting suffix -та
    "уч": 3,
    "учта": 3,
    "тўрт": 4,
    "тўртта": 4,
    "беш": 5,
    "бешта": 5,
    "ўн": 10,
    "ўнта": 10,
}
# Stems of scale words that take case endings (Kazakh "мыңнан", "мыңға"; Russian "тысячами").
SCALE_STEMS = {"мың": 10**3, "тысяч": 10**3, "миллион": 10**6, "миллиард": 10**9}
SCALE_OF = {word: factor for factor, words in SCALES.items() for word in words}
GROUP_SEPARATORS = " \u00a0\u202f\u2009,."  # between digit groups: spaces (plain, no-break, thin), comma, point
NUMBER = re.compile(rf"\d+(?:[{GROUP_SEPARATORS}]\d+)*")
WORD = re.compile(r"[^\W\d_]+")


def _readings(digits: str) -> set[float]:
    """Every value a printed digit group can mean: separators as thousands or as a decimal mark."""
    parts = re.split(rf"([{GROUP_SEPARATORS}])", digits)
    numbers, separators = parts[0::2], parts[1::2]
    values = set()
    for start in range(len(numbers)):  # a group may begin mid-run ("2022, 225 people")
        for end in range(start + 1, len(numbers) + 1):
            run = numbers[start:end]
            marks = separators[start : end - 1]
            values.add(float("".join(run)))  # every separator a thousands separator
            if marks and marks[-1] in ",.":  # the last one a decimal mark
                values.add(float("".join(run[:-1]) + "." + run[-1]))
    return values


def numbers_in_text(text: str) -> set[float]:
    """All values the text can be read to state, with scale words (тыс., million, млрд) applied."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)
    found: set[float] = set()
    for match in NUMBER.finditer(text):
        readings = _readings(match.group())
        found |= readings
        factor = _scale_after(text, match.end())
        if factor:
            found |= {value * factor for value in readings}
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in WORDS:
            found.add(float(WORDS[word]))
            factor = _scale_after(text, match.end())  # "одной тысячи", "one million"
            if factor:
                found.add(float(WORDS[word] * factor))
    return found


def _scale_after(text: str, position: int) -> int | None:
    """The factor of a scale word right after POSITION, in any case form of its stem."""
    following = WORD.match(text, _skip_space(text, position))
    if not following:
        return None
    word = following.group().lower()
    return SCALE_OF.get(word) or next((factor for stem, factor in SCALE_STEMS.items() if word.startswith(stem)), None)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \u00a0\u202f\u2009-–—":
        position += 1
    return position


def figure_in_text(value: float, text: str) -> bool:
    """True if `value` is one of the readings of a number printed in `text`."""
    return any(abs(candidate - value) <= 1e-9 * max(1.0, abs(value)) for candidate in numbers_in_text(text))
