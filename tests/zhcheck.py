"""Is a message wholly in Chinese? What may stay English in it: quoted values, field paths and
keys, [sections], numbers and units, file paths, options (``--out``) and format names."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")
#: what stays English in a Chinese message: quoted values, field paths and keys, [sections],
#: numbers and units, file paths
VERBATIM = re.compile(
    r"'[^']*'|\"[^\"]*\"|\[[^\]]*\]|\b[a-z0-9]+(?:[._][a-z0-9]+)+\b|\b(?:nan|NaN|inf|Infinity)\b"
    r"|(?<![A-Za-z])[\d.eE+-]+\b|\b(?:ha|Mt|CNY|yr|deg|mm|cm|m|t|km)\b|/\S+|`[^`]*`"
    r"|\b(?:UTF-8|GBK|GB18030|NUL|JSON|TOML)\b"
)
#: command-line options and their metavariables (``--out``, ``--format pdf``, NAME=VALUE), an
#: option's choices (``{en,zh}``) and the command (``restoresim sweep-report``)
OPTION = re.compile(
    r"--[a-z][a-z-]*(?:[ =][a-z]+\b)?|\b[A-Z][A-Z_]+(?:=[A-Z_]+)?\b|\{[a-z0-9_,-]+\}"
    r"|(?<![A-Za-z])restoresim(?: [a-z][a-z-]*)?"
)
#: the parser's own words (tomllib's, json's) follow its position, as it wrote them
PARSER_DETAIL = re.compile(r"(语法错误，位于第 \d+ 行第 \d+ 列：).*$")
ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[\s,;:()]+[A-Za-z]{2,})+")


def english_runs(text: str, *, options: bool = False) -> list[str]:
    """The runs of two or more English words left in ``text`` once its verbatim parts are out
    (and, with ``options``, command-line options and their upper-case metavariables)."""
    text = PARSER_DETAIL.sub(r"\1", text)
    if options:
        text = OPTION.sub(" ", text)
    text = VERBATIM.sub(" ", text)
    return ENGLISH_RUN.findall(text)


def assert_chinese(message: str, *, options: bool = False) -> None:
    """Every line of ``message`` has Chinese in it and no run of English words."""
    for line in message.splitlines():
        english = english_runs(line, options=options)
        assert CJK.search(line) and not english, (line, english)
