"""The repository stands alone: no file leans on a folder beside the checkout, and every relative
link of the README and the guides leads to a file of the repository.

The files looked at are those a clone holds (what `.ci/run` copies): every file under the root
except the names `.gitignore` lists and `.git` itself, so the check also runs in a copy that has
no `.git`."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

#: what a file must not name: a folder beside the checkout or on the development machine
#: (spelled in two halves, so this file does not name them itself)
OUTSIDE = tuple(
    first + second
    for first, second in (
        ("../", "shared"),
        ("/work/", "shared"),
        ("shared/", "docs"),
        ("shared/", "fixtures"),
    )
)
#: `[text](target)` and `![alt](target)`, with an optional title after the target
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: `[label]: target` on a line of its own
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
_FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def ignored_patterns(root: Path) -> list[str]:
    """The patterns of the root's `.gitignore` (comments and blank lines left out), plus `.git`."""
    gitignore = root / ".gitignore"
    lines = gitignore.read_text().splitlines() if gitignore.exists() else []
    patterns = [line.strip().rstrip("/") for line in lines]
    return [".git", *(p for p in patterns if p and not p.startswith(("#", "!")))]


def repository_files(root: Path) -> Iterator[Path]:
    """Every file under `root` whose path has no part matching an ignored pattern."""
    patterns = ignored_patterns(root)

    def ignored(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)

    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not ignored(d))
        for name in sorted(names):
            if not ignored(name):
                yield Path(folder, name)


def text_of(path: Path) -> str | None:
    """The file's text, or None for a binary file (one holding a NUL byte)."""
    data = path.read_bytes()
    return None if b"\0" in data else data.decode("utf-8", errors="replace")


def references_outside(root: Path) -> list[str]:
    """`path:line: text` for every line of a text file that names a folder outside the root."""
    found = []
    for path in repository_files(root):
        text = text_of(path)
        if text is None or not any(outside in text for outside in OUTSIDE):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if any(outside in line for outside in OUTSIDE):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def relative_link_targets(markdown: str) -> list[str]:
    """The targets of the relative links of a Markdown text, outside code blocks and code spans,
    without their `#fragment` or `?query`; pure fragments and URLs with a scheme are left out."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", markdown))
    targets = _INLINE_LINK.findall(prose) + _REFERENCE_LINK.findall(prose)
    relative = []
    for target in targets:
        path = re.split(r"[#?]", target, maxsplit=1)[0]
        if path and not _SCHEME.match(target) and not target.startswith("//"):
            relative.append(path)
    return relative


def guides(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def broken_links(root: Path) -> list[str]:
    """`guide: target` for every relative link of a guide that leads to no file of the root."""
    root, broken = root.resolve(), []
    for guide in guides(root):
        for target in relative_link_targets(guide.read_text()):
            base = root if target.startswith("/") else guide.parent
            resolved = (base / target.lstrip("/")).resolve()
            if not resolved.is_relative_to(root) or not resolved.exists():
                broken.append(f"{guide.relative_to(root)}: {target}")
    return broken


# -- the repository ----------------------------------------------------------------------------


def test_no_file_of_the_repository_refers_to_a_folder_outside_it() -> None:
    assert references_outside(ROOT) == []


def test_every_relative_link_of_the_readme_and_docs_leads_to_a_repository_file() -> None:
    linked = sum(len(relative_link_targets(g.read_text())) for g in guides(ROOT))
    assert linked > 20  # the guides do link each other: the check below has work to do
    assert broken_links(ROOT) == []


def test_the_protocol_documents_are_the_projects_own_and_the_readme_links_them() -> None:
    readme_links = set(relative_link_targets((ROOT / "README.md").read_text()))
    for name in ("architecture", "connec-api", "partner-api", "reliability"):
        assert (ROOT / "docs" / f"{name}.md").is_file(), name
        assert f"docs/{name}.md" in readme_links, name


# -- the checks themselves, on a made-up repository --------------------------------------------


def test_a_reference_outside_is_found_in_any_text_file_but_not_in_ignored_ones(
    tmp_path: Path,
) -> None:
    (tmp_path / ".gitignore").write_text("# comment\n.venv/\n*.db\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "fixtures.py").write_text('FIXTURES = "' + OUTSIDE[0] + '/fixtures"\n')
    (tmp_path / "notes.md").write_text("fine\nsee " + OUTSIDE[1] + "/docs/x.md\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "lib.py").write_text(OUTSIDE[0] + "\n")
    (tmp_path / "local.db").write_text(OUTSIDE[0] + "\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\0" + OUTSIDE[0].encode())

    assert sorted(references_outside(tmp_path)) == [
        f"notes.md:2: see {OUTSIDE[1]}/docs/x.md",
        f'src/fixtures.py:1: FIXTURES = "{OUTSIDE[0]}/fixtures"',
    ]


def test_links_to_missing_files_are_found_and_urls_anchors_and_code_are_left_alone(
    tmp_path: Path,
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    (tmp_path / "docs" / "picture.png").write_bytes(b"\0")
    (tmp_path / "README.md").write_text(
        "[guide](docs/guide.md#top) ![shot](docs/picture.png) [gone](docs/gone.md)\n"
        "[web](https://example.com/x.md) [mail](mailto:a@b.example) [here](#guide)\n"
        "`[not a link](nowhere.md)` and [up and out](../elsewhere.md)\n"
        "```\n[in a block](missing.md)\n```\n"
        "[ref]: docs/also-gone.md\n"
    )
    (tmp_path / "docs" / "other.md").write_text('[back](../README.md "title") [self](other.md)\n')

    assert broken_links(tmp_path) == [
        "README.md: docs/gone.md",
        "README.md: ../elsewhere.md",
        "README.md: docs/also-gone.md",
    ]
