"""The CLI in Chinese: `--lang zh`, ORDERHUB_LANG=zh or a Chinese locale; every help text
has a translation, and the common messages come in Chinese too."""

from __future__ import annotations

import os

import pytest
import typer
from typer.testing import CliRunner

from orderhub.cli import i18n
from orderhub.cli.app import app

runner = CliRunner()


def invoke(*args: str, **env: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **env})
    return result.exit_code, result.output


def test_every_help_text_has_a_chinese_translation() -> None:
    """A command or option added without an entry in cli/i18n_zh.py fails here, by name."""
    root = typer.main.get_command(app)
    texts = list(i18n.help_texts(root))
    assert len(texts) > 250
    missing = sorted({f"{path}: {text!r}" for path, _, _, text in texts
                      if i18n.lookup(text) is None})
    assert missing == [], "help without a Chinese translation:\n" + "\n".join(missing)
    translations = i18n.catalog().values()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in zh) for zh in translations
               if not zh.startswith(("YYYY", "{", "[", "JSON", "name=")))


@pytest.mark.parametrize("how", [("--lang", "zh"), ("--lang=zh",)])
def test_lang_option_gives_chinese_help(how: tuple[str, ...]) -> None:
    code, out = invoke(*how, "order", "list", "--help", ORDERHUB_LANG="en")
    assert code == 0, out
    assert "用法" in out and "选项" in out and "最新的订单" in out
    assert "按状态筛选" in out and "输出 JSON 而非表格" in out and "显示本帮助并退出" in out
    assert "The newest orders" not in out and "Options" not in out


def _command_paths(command: typer.core.TyperGroup | typer.core.TyperCommand,
                   path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = typer.Context(command)
    subs = getattr(command, "commands", None)
    if subs is None:
        return [path]
    out = [path] if path else []
    for name in command.list_commands(ctx):  # type: ignore[union-attr]
        sub = command.get_command(ctx, name)  # type: ignore[union-attr]
        if sub is not None and not getattr(sub, "hidden", False):
            out.extend(_command_paths(sub, (*path, name)))
    return out


def test_lang_is_accepted_after_any_command(database_url: str) -> None:
    """`--lang` anywhere on the line, as after the root: every command's help, a command's
    messages and errors, the last `--lang` winning, a bad value refused."""
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 100
    for path in paths:
        for how in (("--lang", "zh"), ("--lang=zh",)):
            code, out = invoke(*path, "--help", *how, ORDERHUB_LANG="en")
            assert code == 0 and "用法" in out, (path, how, out)
    code, out = invoke("order", "list", "--help", "--lang", "zh", ORDERHUB_LANG="en")
    assert code == 0 and "最新的订单" in out and "The newest orders" not in out
    assert invoke("db", "upgrade", ORDERHUB_DATABASE_URL=database_url)[0] == 0
    code, out = invoke("order", "list", "--lang", "zh", "--status", "lost",
                       ORDERHUB_DATABASE_URL=database_url, ORDERHUB_LANG="en")
    assert code == 2 and "未知状态 'lost'" in out, out
    code, out = invoke("order", "list", "--json", "--lang=zh",
                       ORDERHUB_DATABASE_URL=database_url, ORDERHUB_LANG="en")
    assert code == 0 and out.strip().startswith(("[", "{")), out
    code, out = invoke("--lang", "zh", "order", "show", "ord_missing", "--lang", "en",
                       ORDERHUB_DATABASE_URL=database_url)
    assert code == 1 and "order ord_missing not found" in out.lower(), out
    code, out = invoke("db", "--help", "--lang", "xx")
    assert code == 2 and "choose en or zh" in out
    # After `--` it is an argument, not the option.
    code, out = invoke("order", "show", "--", "--lang", ORDERHUB_DATABASE_URL=database_url)
    assert "没有该选项" not in out and "No such option" not in out, out


def test_environment_and_locale_choose_chinese() -> None:
    code, out = invoke("--help", ORDERHUB_LANG="zh")
    assert code == 0 and "订单中枢" in out and "命令" in out and "查看订单。" in out
    code, out = invoke("rules", "--help", ORDERHUB_LANG="", LANG="zh_CN.UTF-8")
    assert code == 0 and "规则集：草稿、模拟（沙盒）、灰度发布" in out
    # --lang wins over the environment; English again on the next run
    code, out = invoke("--lang", "en", "order", "--help", ORDERHUB_LANG="zh")
    assert code == 0 and "Inspect orders." in out and "Options" in out
    code, out = invoke("order", "--help", ORDERHUB_LANG="en")
    assert code == 0 and "Inspect orders." in out and "查看订单" not in out


def test_messages_and_errors_in_chinese(database_url: str) -> None:
    assert invoke("db", "upgrade", ORDERHUB_DATABASE_URL=database_url)[0] == 0
    code, out = invoke("--lang", "zh", "order", "list", "--status", "lost",
                       ORDERHUB_DATABASE_URL=database_url)
    assert code == 2 and "错误：" in out and "未知状态 'lost'" in out
    code, out = invoke("--lang", "zh", "order", "list", "--json", "--csv",
                       ORDERHUB_DATABASE_URL=database_url)
    assert code == 2 and "--json 与 --csv 只能选一个" in out
    code, out = invoke("--lang", "zh", "corpus", "evaluate", "/nonexistent.jsonl")
    assert code == 2 and "没有该文件" in out
    code, out = invoke("--lang", "zh", "order", "show", "ord_missing",
                       ORDERHUB_DATABASE_URL=database_url)
    assert code == 1 and "订单 ord_missing 不存在" in out
    code, out = invoke("--lang", "zh", "order", "list", "--bogus")
    assert code == 2 and "没有该选项：--bogus" in out and "错误" in out
    code, out = invoke("--lang", "zh", "order", "list", "--limit", "0")
    assert code == 2 and "'--limit' 的值无效：应大于或等于 1" in out
    code, out = invoke("order", "list", "--limit", "0", ORDERHUB_LANG="en")
    assert code == 2 and "Invalid value for '--limit'" in out
    code, out = invoke("--lang", "xx", "db", "--help")
    assert code == 2 and "choose en or zh" in out


def test_the_suite_runs_in_english() -> None:
    assert os.environ.get("ORDERHUB_LANG") == "en"
