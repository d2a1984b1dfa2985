"""What an announcement says: its Chinese text, its pinyin and its recorded clips.

One list of :class:`Word` drives all three forms, so the screen text, the espeak-ng
input and the clip files can never disagree. Ticket digits are spelled one by one
(“零一二”, never “十二”); window numbers are read as numbers (“十二号窗口”).

espeak-ng's ``cmn-latn-pinyin`` voice reads pinyin with tone numbers, so we hand it
pinyin rather than hanzi (the plain ``cmn`` voice reads Latin letters as English).
"""

from __future__ import annotations

from dataclasses import dataclass

DIGITS = "零一二三四五六七八九"
DIGIT_PINYIN = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
# How Chinese speakers commonly say the Latin letters, written as pinyin. A–H are the
# categories of the sample center; the rest cover any A–Z a center may configure.
LETTER_PINYIN = {
    "A": "ei1",
    "B": "bi4",
    "C": "xi1",
    "D": "di4",
    "E": "yi4",
    "F": "ai2 fu5",
    "G": "ji4",
    "H": "ai1 qi1",
    "I": "ai4",
    "J": "zhei4",
    "K": "kai4",
    "L": "ai2 le5",
    "M": "ai2 mu5",
    "N": "en1",
    "O": "ou1",
    "P": "pi4",
    "Q": "ke4 you1",
    "R": "a1 er3",
    "S": "ai2 si1",
    "T": "ti4",
    "U": "you1",
    "V": "wei1",
    "W": "da1 bu5 liu1",
    "X": "ai2 ke4 si1",
    "Y": "wai4",
    "Z": "zei4",
}
# Clip names (without .wav) for a center that records its own voice: see bianmin/data/voice/README.md.
CLIP_NAMES = (
    "qing",
    "hao",
    "dao",
    "chuangkou",
    "banli",
    "shi",
    *LETTER_PINYIN,
    *(str(d) for d in range(10)),
)
CHIME_CLIP = "chime"


class SpeechError(ValueError):
    """A ticket number or window cannot be put into words."""


@dataclass(frozen=True)
class Word:
    """One spoken unit: the text shown, its pinyin syllables and the clip files that say it."""

    text: str
    pinyin: tuple[str, ...]
    clips: tuple[str, ...]


def _fixed(text: str, pinyin: str, clip: str) -> Word:
    return Word(text, tuple(pinyin.split()), (clip,))


def ticket_words(number: str) -> list[Word]:
    """Words for a ticket number such as ``A012``: the letter, then each digit alone."""
    number = number.strip().upper()
    if not number:
        raise SpeechError("票号为空")
    words = []
    for ch in number:
        if ch in LETTER_PINYIN:
            words.append(Word(ch, tuple(LETTER_PINYIN[ch].split()), (ch,)))
        elif ch.isdigit() and ch.isascii():
            d = int(ch)
            words.append(Word(DIGITS[d], (DIGIT_PINYIN[d],), (str(d),)))
        else:
            raise SpeechError(f"票号“{number}”含有无法播报的字符“{ch}”")
    return words


def window_words(window: int) -> Word:
    """A window number read as a Chinese number: 3 -> 三, 12 -> 十二, 20 -> 二十."""
    if window < 1:
        raise SpeechError(f"窗口号 {window} 无效")
    if window < 10:
        syllables = [window]
    elif window < 100:
        tens, ones = divmod(window, 10)
        syllables = ([tens] if tens > 1 else []) + [10] + ([ones] if ones else [])
    else:  # nobody has a hundred windows; spell it rather than fail
        syllables = [int(d) for d in str(window)]
    pinyin = tuple("shi2" if s == 10 else DIGIT_PINYIN[s] for s in syllables)
    clips = tuple("shi" if s == 10 else str(s) for s in syllables)
    return Word(str(window), pinyin, clips)


def call_words(number: str, window: int) -> list[Word]:
    """The sentence 请 A012 号到 3 号窗口办理 as words."""
    return [
        _fixed("请", "qing3", "qing"),
        *ticket_words(number),
        _fixed("号", "hao4", "hao"),
        _fixed("到", "dao4", "dao"),
        window_words(window),
        _fixed("号", "hao4", "hao"),
        _fixed("窗口", "chuang1 kou3", "chuangkou"),
        _fixed("办理", "ban4 li3", "banli"),
    ]


def words_text(words: list[Word]) -> str:
    """The announcement as written, e.g. ``请A零一二号到3号窗口办理``."""
    return "".join(w.text for w in words)


def words_pinyin(words: list[Word]) -> str:
    """The announcement as espeak-ng ``cmn-latn-pinyin`` input."""
    return " ".join(s for w in words for s in w.pinyin)


def words_clips(words: list[Word]) -> list[str]:
    """The clip names, in order, that say the announcement."""
    return [c for w in words for c in w.clips]


@dataclass(frozen=True)
class Announcement:
    """A call to announce: ticket ``number`` to ``window``; ``seq`` is the event's sequence."""

    number: str
    window: int
    recall: bool = False
    seq: int = 0

    @property
    def words(self) -> list[Word]:
        return call_words(self.number, self.window)

    @property
    def text(self) -> str:
        return words_text(self.words)
