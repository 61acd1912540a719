"""The README's command examples on the demo store run as written: a newcomer copies them
after the first command, and one that fails is the first thing they see of the project."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from creditgraph import cli
from creditgraph.api import commands

README = Path(__file__).resolve().parents[1] / "README.md"
# the blocks that say they run on the demo store, by the sentence before them
BLOCKS = ("With the demo store from the first command", "On the demo store:")
# lines naming what a reader fills in: an entry of their own queue, a store of their own
PLACEHOLDERS = re.compile(r"\b(ENTRY|PERSON)\b|old\.db")


def _block_after(text: str, sentence: str) -> list[str]:
    start = text.index(sentence)
    body = text[text.index("```bash\n", start) + len("```bash\n") :]
    return body[: body.index("```")].splitlines()


def _commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    found = []
    for sentence in BLOCKS:
        for line in _block_after(text, sentence):
            command = line.split("   #", 1)[0].strip()
            if command.startswith("creditgraph ") and not PLACEHOLDERS.search(command):
                found.append(command)
    return found


def test_the_readme_has_the_command_blocks_this_test_runs() -> None:
    commands = _commands()
    assert len(commands) >= 18
    assert any(c.startswith("creditgraph check --id-number") for c in commands)
    assert any(c.startswith("creditgraph watch") for c in commands)
    # what the block exports, this test's environment sets (the key where the demo keeps it)
    (block,) = [_block_after(README.read_text(encoding="utf-8"), BLOCKS[0])]
    assert "export CREDITGRAPH_STORE=demo.db" in block
    assert any(
        line.startswith("export CREDITGRAPH_ID_KEY_FILE=~/.config/creditgraph/demo.key")
        for line in block
    )


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | None]]:
    """`creditgraph demo --store demo.db` as the first command makes it (not served), and the
    environment the README's block sets up."""
    folder = tmp_path_factory.mktemp("readme")
    config = tmp_path_factory.mktemp("config")
    env: dict[str, str | None] = {
        name: None
        for name in (
            "CREDITGRAPH_API_KEYS",
            "CREDITGRAPH_ID_KEY",
            "CREDITGRAPH_ID_KEY_FILE",
            "CREDITGRAPH_TODAY",
            "CREDITGRAPH_RULES",
        )
    }
    env["XDG_CONFIG_HOME"] = str(config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(commands, "_serve", lambda *args, **kwargs: None)
        patch.chdir(folder)
        made = CliRunner().invoke(commands.demo, ["--store", "demo.db"], env=env)
    assert made.exit_code == 0, made.output
    env["CREDITGRAPH_STORE"] = str(folder / "demo.db")
    env["CREDITGRAPH_ID_KEY_FILE"] = str(config / "creditgraph" / "demo.key")  # as it prints
    env["SECRET"] = "a-signing-secret-of-32-characters"
    return folder, env


@pytest.mark.parametrize("command", _commands())
def test_each_readme_command_runs_on_the_demo_store(
    command: str,
    demo_folder: tuple[Path, dict[str, str | None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, env = demo_folder
    monkeypatch.chdir(folder)
    args = shlex.split(command.replace('"$SECRET"', str(env["SECRET"])))[1:]
    if args[0] == "load" and "copy.db" in args:  # the export the line before it writes
        exported = CliRunner().invoke(cli.main, ["export", "-o", "graph.jsonl"], env=env)
        assert exported.exit_code == 0, exported.output
        (folder / "copy.db").unlink(missing_ok=True)
    result = CliRunner().invoke(cli.main, args, env=env)
    assert result.exit_code == 0, f"{command}\n{result.output}"
    assert "Traceback" not in result.output
