"""Title widths as Google measures them: Arial at 20 px, cut to fit 600 px.

Advance widths come from Liberation Sans, which is metric-compatible with Arial.
"""

TITLE_MAX_PX = 600
TITLE_MIN_PX = 400
ELLIPSIS = " ..."
DEFAULT_WIDTH = 11.12  # a lower-case letter or a digit, for characters not listed

_GROUPS = {
    3.81: "'",
    4.44: "ijl‘’",
    5.2: "|",
    5.56: " !,./:;I[\\]ft·",
    6.66: "()-`r“”",
    6.69: "{}",
    7.09: '"',
    7.78: "*",
    9.39: "^",
    10.0: "Jcksvxyz",
    11.12: "#$0123456789?L_abdeghnopqu–éü",
    11.69: "+<=>~",
    12.22: "FTZ",
    13.34: "&ABEKPSVXY",
    14.44: "CDHNRUw",
    15.56: "GOQ",
    16.66: "Mm",
    17.78: "%",
    18.88: "W",
    20.0: "—…",
    20.3: "@",
}
CHARACTER_WIDTHS = {char: width for width, chars in _GROUPS.items() for char in chars}


def text_width(text: str) -> float:
    return sum(CHARACTER_WIDTHS.get(char, DEFAULT_WIDTH) for char in text)


def cut_title(title: str, limit: float = TITLE_MAX_PX) -> str:
    """The title as a result page shows it: whole words that fit, then " ..."."""
    if text_width(title) <= limit:
        return title
    room = limit - text_width(ELLIPSIS)
    shown = ""
    for word in title.split(" "):
        candidate = f"{shown} {word}" if shown else word
        if text_width(candidate) > room:
            break
        shown = candidate
    return shown.rstrip(" ,;:|-–—") + ELLIPSIS
