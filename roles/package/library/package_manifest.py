#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules put DOCUMENTATION/EXAMPLES/RETURN before the imports:
# ruff: noqa: E402
"""The files of the submission zip (git's tracked files minus excludes), each with its description."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: package_manifest
short_description: List the tracked files that go into the submission zip, each with its description
description:
  - Lists the files git tracks under O(root) (C(git ls-files)), so nothing untracked - virtualenvs,
    C(.state/), Terraform state, caches - can reach the zip, and drops those matching O(exclude).
  - Gives each file its one-line description from O(descriptions) (a YAML map of path or glob to text;
    an exact path wins over a glob, else the first matching glob in file order).
  - Fails, naming the paths, when a file has no description, when a description matches no file (it went
    stale), or when a file looks like it holds a secret (an AWS access key id, a private key).
  - Reads only; never changes anything (check mode is the same run).
version_added: "1.0.0"
author: MLOps estate project
options:
  root:
    description: The git work tree.
    type: path
    required: true
  descriptions:
    description: YAML file mapping each path (or glob such as C(tests/emulator/test_ext_*.py)) to one line.
    type: path
    required: true
  exclude:
    description: fnmatch patterns of tracked paths to leave out of the zip.
    type: list
    elements: str
    default: []
  extra:
    description:
      - Paths the build itself adds to the zip (not tracked, such as C(SUBMISSION.md)).
      - They need a description too.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: What goes into the zip
  package_manifest:
    root: "{{ playbook_dir }}/.."
    descriptions: "{{ playbook_dir }}/../files/package/descriptions.yml"
    exclude: ["*.tfstate"]
    extra: [SUBMISSION.md]
  register: manifest
"""

RETURN = r"""
files:
  description: Every tracked, non-excluded file, sorted, with its description and the map entry that gave it.
  returned: success
  type: list
  elements: dict
  sample: [{"path": "site.yml", "description": "The whole estate", "entry": "site.yml"}]
entries:
  description: The description map's entries in file order, each with the files it describes.
  returned: success
  type: list
  elements: dict
paths:
  description: The tracked, non-excluded paths only (what is staged and zipped), sorted.
  returned: success
  type: list
  elements: str
"""

import fnmatch
import os
import re
import subprocess

from ansible.module_utils.basic import AnsibleModule

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML ships with ansible-core
    yaml = None

# What a secret looks like in a text file: an AWS access key id, a private key block.
SECRET_PATTERNS = [
    re.compile(rb"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(rb"-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"),
]


def tracked_files(root):
    # A fixed argv without a shell; git from PATH, as the user runs it.
    out = subprocess.run(["git", "-C", root, "ls-files", "-z"],  # noqa: S603, S607
                         capture_output=True, check=True).stdout
    names = [n for n in out.decode().split("\0") if n]
    # A file deleted in the work tree but not yet in a commit is not shipped.
    return sorted(n for n in names if os.path.isfile(os.path.join(root, n)))


def describe(paths, entries):
    """-> (files, undescribed, per-entry matches). entries: [(pattern, text)] in file order."""
    exact = dict(entries)
    globs = [(p, t) for p, t in entries if any(c in p for c in "*?[")]
    matched = {p: [] for p, _ in entries}
    files, undescribed = [], []
    for path in paths:
        if path in exact and not any(c in path for c in "*?["):
            entry = path
        else:
            entry = next((p for p, _ in globs if fnmatch.fnmatchcase(path, p)), None)
        if entry is None:
            undescribed.append(path)
            continue
        matched[entry].append(path)
        files.append({"path": path, "description": exact[entry], "entry": entry})
    return files, undescribed, matched


def secrets_in(root, paths):
    found = []
    for path in paths:
        with open(os.path.join(root, path), "rb") as f:
            data = f.read()
        if any(p.search(data) for p in SECRET_PATTERNS):
            found.append(path)
    return found


def main():
    module = AnsibleModule(
        argument_spec={
            "root": {"type": "path", "required": True},
            "descriptions": {"type": "path", "required": True},
            "exclude": {"type": "list", "elements": "str", "default": []},
            "extra": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    root, exclude = module.params["root"], module.params["exclude"]
    try:
        tracked = tracked_files(root)
    except (OSError, subprocess.CalledProcessError) as err:
        module.fail_json(msg=f"{root} must be a git work tree (the zip holds tracked files only): {err}")
    paths = [p for p in tracked if not any(fnmatch.fnmatchcase(p, pat) for pat in exclude)]
    with open(module.params["descriptions"]) as f:
        loaded = yaml.safe_load(f) or {}
    if not isinstance(loaded, dict) or not all(isinstance(v, str) and v.strip() for v in loaded.values()):
        module.fail_json(msg=f"{module.params['descriptions']} must map each path to a one-line description")
    entries = list(loaded.items())
    shipped = sorted(set(paths) | set(module.params["extra"]))
    files, undescribed, matched = describe(shipped, entries)
    stale = [p for p, hits in matched.items() if not hits]
    problems = []
    if undescribed:
        problems.append(f"add a line to {module.params['descriptions']} for: {', '.join(undescribed)}")
    if stale:
        problems.append(f"these entries of {module.params['descriptions']} match no file: {', '.join(stale)}")
    leaking = secrets_in(root, paths)
    if leaking:
        problems.append(f"these files look like they hold a secret (AWS key id or private key): {', '.join(leaking)}")
    if problems:
        module.fail_json(msg="; ".join(problems), undescribed=undescribed, stale=stale, secrets=leaking)
    module.exit_json(changed=False, files=files, paths=paths,
                     entries=[{"entry": p, "description": t, "files": matched[p]} for p, t in entries])


if __name__ == "__main__":
    main()
