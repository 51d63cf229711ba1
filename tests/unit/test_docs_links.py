"""The project stands on its own: every relative link in its markdown resolves (file and
heading anchor), and no tracked file cites notes that live outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
# Team notes kept outside the repository (spelled in pieces so this file does not cite them).
OUTSIDE_NOTES = ["DESIGN" + ".md", "ENVIRONMENT" + ".md", "../" + "shared/"]


def tracked(pattern: str | None = None) -> list[str]:
    args = ["git", "-C", str(PROJECT_DIR), "ls-files"] + ([pattern] if pattern else [])
    return [p for p in subprocess.run(args, capture_output=True, text=True, check=True).stdout.splitlines()
            if (PROJECT_DIR / p).is_file()]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = heading.strip()
    text = text.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    body = FENCE.sub("", markdown)
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", body, re.M)}


def broken_links(md_path: Path, text: str, exists) -> list[str]:
    """Links in `text` (the file at md_path) whose target file or anchor is missing."""
    broken = []
    for target in LINK.findall(FENCE.sub("", text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        dest = (md_path.parent / path) if path else md_path
        if path and not exists(dest):
            broken.append(f"{target} (no such file)")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text()):
            broken.append(f"{target} (no heading with that anchor)")
    return broken


def test_every_relative_link_in_the_markdown_resolves():
    problems = {}
    for rel in tracked("*.md"):
        path = PROJECT_DIR / rel
        broken = broken_links(path, path.read_text(), lambda p: p.exists())
        if broken:
            problems[rel] = broken
    assert not problems, f"broken links: {problems}"


def test_the_anchor_rules_match_githubs():
    assert slug("## 3. `allow-ip`: the caller's IP into `sg_3452925`".lstrip("# ")) == \
        "3-allow-ip-the-callers-ip-into-sg_3452925"
    assert slug("Aurora and 16,000 connections: the real-AWS constraints") == \
        "aurora-and-16000-connections-the-real-aws-constraints"


def test_a_broken_link_is_found(tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text("# Title\n[ok](a.md#title) [gone](b.md) [bad](a.md#nope) [web](https://x.example)\n")
    assert broken_links(doc, doc.read_text(), lambda p: p.exists()) == [
        "b.md (no such file)", "a.md#nope (no heading with that anchor)"]


def test_no_tracked_file_cites_notes_outside_the_repository():
    hits = []
    for rel in tracked():
        try:
            text = (PROJECT_DIR / rel).read_text()
        except UnicodeDecodeError:
            continue
        hits += [f"{rel}: {name}" for name in OUTSIDE_NOTES if name in text]
    assert not hits, "cite docs/architecture.md or docs/environment.md instead:\n" + "\n".join(hits)
