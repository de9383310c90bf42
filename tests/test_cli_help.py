"""``restoresim --help`` and every sub-command's help in the reviewer's language: Chinese under
``--lang zh`` (anywhere on the line) or ``$RESTORESIM_LANG=zh``, argparse's own words included;
English exactly as before otherwise."""

from __future__ import annotations

import pytest
from zhcheck import CJK, english_runs

from sim.cli import COMMANDS, main
from sim.i18n.units import width

COMMAND_LINES = [[], *([name] for name in COMMANDS)]

#: the help before it was translated (80 columns), which English keeps byte for byte
ENGLISH_TOP = """\
usage: restoresim [-h] [--version] [--debug] COMMAND ...

Can the land a proposed mine will disturb be restored, at what cost and how surely? Evaluates
mining-right applications against a reviewer's policy.

positional arguments:
  COMMAND
    evaluate    evaluate proposals and print verdicts
    programme   simulate a regional restoration programme (SimPy)
    report      write the reviewer's report of one proposal (HTML or PDF)
    batch       work through a queue of applications: reports + summary.csv/html
    sweep       run a policy sweep: portfolio x policies x uncertainties
    sweep-report
                compare a sweep's policies against its baseline: tables, figures, drivers
    monitor     compare observed recovery of approved mines with their projection
    validate    compare simulated restoration costs with the costs real Chinese sites state
    schema      print the JSON Schema of the input files
    new         write a commented application template: every field with its Chinese term and
                where the 开发利用方案 / 矿山生态保护修复方案 states it

options:
  -h, --help    show this help message and exit
  --version     show program's version number and exit
  --debug       show tracebacks of internal errors

--lang {en,zh}, before or after the command, chooses the language of the outputs for people, of
the help and of the errors (default: $RESTORESIM_LANG, else the policy's [policy] language, else
en): restoresim --lang zh evaluate FILE. restoresim COMMAND --help describes each command.
"""
ENGLISH_EVALUATE = """\
usage: restoresim evaluate [-h] [--policy FILE] [--draws DRAWS] [--seed SEED] [--param NAME=VALUE]
                           [--lang {en,zh}] [--out DIR] [--force] [--json] [--no-conditions]
                           [--layers PATH [PATH ...]]
                           [PROPOSAL ...]

Evaluate proposal files (TOML or JSON). With no file, evaluates the example proposal that ships
with the package.

positional arguments:
  PROPOSAL              proposal files

options:
  -h, --help            show this help message and exit
  --policy FILE         policy file (default: packaged policy)
  --draws DRAWS         Monte-Carlo draws per proposal (default 1000)
  --seed SEED           random seed (default 0)
  --param NAME=VALUE    override a parameter of the library, e.g. cost.regrade_unit_cost=18
  --lang {en,zh}        language of the outputs for people (default: $RESTORESIM_LANG, else the
                        policy's [policy] language, else en); JSON keys and criterion names stay
                        English
  --out DIR             also write verdicts.json, summary.nc and trajectories.nc to DIR
  --force               overwrite existing outputs in --out
  --json                print only the JSON verdicts
  --no-conditions       skip the search for approval conditions and remedies
  --layers PATH [PATH ...]
                        protected layers (GeoJSON, Shapefile, GeoPackage) added to the policy's
                        [[layers]]: PATH is a no-overlap layer, PATH:min_distance=METRES a layer
                        the boundary must keep that far from; put --layers after the proposal
                        files
"""


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The help ``argv`` prints; it exits 0 and writes nothing to stderr."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    assert exit_.value.code == 0 and err == "", err
    return out


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> int:
    """A 100-column terminal, no language in the environment."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("RESTORESIM_LANG", raising=False)
    return 100


@pytest.mark.parametrize("how", ["--lang zh", "--lang=zh first", "$RESTORESIM_LANG"])
@pytest.mark.parametrize("command", COMMAND_LINES, ids=lambda c: c[0] if c else "restoresim")
def test_help_is_chinese(
    command: list[str],
    how: str,
    terminal: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every description and option help, argparse's headings and usage in Chinese; options,
    metavariables, file names, choices and defaults stay as written; lines fit the terminal
    (a Chinese character takes two columns) and none starts with closing punctuation."""
    if how == "--lang zh":
        argv = [*command, "--help", "--lang", "zh"]
    elif how == "--lang=zh first":
        argv = ["--lang=zh", *command, "--help"]
    else:
        monkeypatch.setenv("RESTORESIM_LANG", "zh")
        argv = [*command, "--help"]
    text = _help(argv, capsys)
    lines = text.splitlines()
    assert lines[0].startswith(" ".join(["用法：restoresim", *command]))
    assert "\n选项：\n" in text and "显示本帮助信息并退出" in text
    for line in lines:
        assert not english_runs(line, options=True), line
        assert width(line) <= terminal, line
        assert not line.strip() or line.strip()[0] not in "，。、；：）", line


def test_every_option_has_chinese_help(terminal: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Each option line of each command (the ones with help in English) has Chinese in Chinese."""
    for command in COMMAND_LINES:
        english = _help([*command, "--help"], capsys).splitlines()
        chinese = _help([*command, "--help", "--lang", "zh"], capsys).splitlines()
        options = [x.split()[0] for x in english if x.startswith("  -") and len(x.split()) > 2]
        for option in options:
            at = next(i for i, x in enumerate(chinese) if x.split()[:1] == [option])
            rest = chinese[at] + (chinese[at + 1] if at + 1 < len(chinese) else "")
            assert CJK.search(rest), (command, option, chinese[at : at + 2])


@pytest.mark.parametrize(
    "command,english", [([], ENGLISH_TOP), (["evaluate"], ENGLISH_EVALUATE)], ids=["top", "eval"]
)
def test_help_follows_the_language(
    command: list[str], english: str, terminal: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same command's help: Chinese with --lang zh, then byte for byte the English of
    before without it (and with --lang en)."""
    assert _help([*command, "--help", "--lang", "zh"], capsys).startswith("用法：restoresim")
    assert _help([*command, "--help"], capsys) == english
    assert _help([*command, "--help", "--lang", "en"], capsys) == english


def test_lang_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """`restoresim --lang zh evaluate …` is read as `evaluate --lang zh` (it was refused as an
    invalid command 'zh'); before a command without --lang, or with no command, it only sets
    the language of the help and the errors."""
    assert main(["--lang", "zh", "evaluate", "--draws", "50", "--no-conditions"]) == 0
    assert "评审结论" in capsys.readouterr().out
    assert main(["--lang=zh", "evaluate", "--draws", "50", "--no-conditions"]) == 0
    assert "评审结论" in capsys.readouterr().out
    assert main(["--lang", "zh", "evaluate", "--lang", "en", "--draws", "50"]) == 0
    assert "Verdict" in capsys.readouterr().out  # the command's own --lang wins
    assert main(["--lang", "zh", "schema"]) == 0
    assert capsys.readouterr().out.startswith("{")
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "zh", "bogus"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "'bogus'" in err and "无效" in err
    with pytest.raises(SystemExit) as exc:
        main(["--lang", "zh"])
    assert exc.value.code == 2 and "缺少必需的参数" in capsys.readouterr().err
