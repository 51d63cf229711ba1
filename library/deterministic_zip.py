#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Ansible modules put DOCUMENTATION/EXAMPLES/RETURN before the imports:
# ruff: noqa: E402
"""Build a zip whose bytes depend only on the files' paths, contents and exec bits."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: deterministic_zip
short_description: Build a byte-for-byte reproducible zip (for Lambda deployment packages)
description:
  - Zips one or more source folders into O(dest) so that the same file contents always give
    the same bytes, whatever the files' timestamps, owners or the order the filesystem lists
    them in. Entries are sorted, dated 1980-01-01, and get mode 0644 (0755 if executable).
  - The archive is written only when its bytes differ from O(dest), so a rerun reports no
    change, and the Lambda module (which compares the zip's SHA-256 with the function's
    CodeSha256) sees no change either.
  - C(community.general.archive) is not byte-stable for this use - it stores each file's
    mtime, so a fresh checkout or a fresh C(pip install --target) of the same files gives a
    different zip (measured in docs/lambda.md).
version_added: "1.0.0"
author: MLOps estate project
options:
  dest:
    description: Path of the zip to write.
    type: path
    required: true
  sources:
    description:
      - Folders to include; each folder's content goes to the zip root (or under O(sources[].prefix)).
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Folder to zip.
        type: path
        required: true
      prefix:
        description: Folder inside the zip to place the content under.
        type: str
        default: ""
  exclude:
    description:
      - fnmatch patterns, matched against each path relative to its source folder and against each path component.
    type: list
    elements: str
    default: ["__pycache__", "*.pyc", ".DS_Store"]
  compression_level:
    description: zlib level (deflate). Part of the output's identity - changing it changes the bytes.
    type: int
    default: 6
"""

EXAMPLES = r"""
- name: Package the function with its vendored dependencies
  deterministic_zip:
    dest: /build/trip-features.zip
    sources:
      - path: files/lambda/src
      - path: /build/deps
    exclude: ["__pycache__", "*.pyc", "bin"]
  register: package

- name: Deploy it (no change when the package's bytes did not change)
  amazon.aws.lambda:
    name: trip-features
    zip_file: "{{ package.dest }}"
"""

RETURN = r"""
dest:
  description: Path of the zip.
  returned: always
  type: str
sha256:
  description: Hex SHA-256 of the zip's bytes.
  returned: always
  type: str
code_sha256:
  description: Base64 SHA-256, the form Lambda reports as CodeSha256.
  returned: always
  type: str
  sample: "0s4P5Zr0o2R1Q5v8b1R1H1G4Zl1E0u1bY3Kx9Y2x1aQ="
size:
  description: Size of the zip in bytes.
  returned: always
  type: int
files:
  description: Number of files in the zip.
  returned: always
  type: int
"""

import base64
import fnmatch
import hashlib
import io
import os
import stat
import tempfile
import zipfile

from ansible.module_utils.basic import AnsibleModule

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def excluded(rel, patterns):
    parts = rel.split("/")
    return any(fnmatch.fnmatch(rel, p) or any(fnmatch.fnmatch(part, p) for part in parts) for p in patterns)


def collect(sources, patterns):
    """Sorted (arcname, path, executable) for every regular file; duplicate names are an error."""
    entries = {}
    for source in sources:
        root = source["path"]
        if not os.path.isdir(root):
            raise ValueError(f"source folder {root} does not exist")
        prefix = source.get("prefix") or ""
        for folder, dirs, files in os.walk(root):
            rel_dir = os.path.relpath(folder, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            dirs[:] = [d for d in dirs if not excluded(rel_dir + d, patterns)]
            for name in files:
                rel = rel_dir + name
                path = os.path.join(folder, name)
                if excluded(rel, patterns) or not os.path.isfile(path):
                    continue
                arcname = (prefix.strip("/") + "/" + rel) if prefix else rel
                if arcname in entries:
                    raise ValueError(f"{arcname} is in more than one source folder")
                executable = bool(os.stat(path).st_mode & stat.S_IXUSR)
                entries[arcname] = (path, executable)
    return sorted((name, path, exe) for name, (path, exe) in entries.items())


def build(entries, level):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for arcname, path, executable in entries:
            info = zipfile.ZipInfo(arcname, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so external_attr carries the mode
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            with open(path, "rb") as f:
                zf.writestr(info, f.read(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
    return buf.getvalue()


def main():
    module = AnsibleModule(
        argument_spec={
            "dest": {"type": "path", "required": True},
            "sources": {"type": "list", "elements": "dict", "required": True,
                         "options": {"path": {"type": "path", "required": True},
                                     "prefix": {"type": "str", "default": ""}}},
            "exclude": {"type": "list", "elements": "str", "default": ["__pycache__", "*.pyc", ".DS_Store"]},
            "compression_level": {"type": "int", "default": 6},
        },
        supports_check_mode=True,
    )
    dest = module.params["dest"]
    level = module.params["compression_level"]
    if not 0 <= level <= 9:
        module.fail_json(msg=f"compression_level must be 0-9, got {level}")
    try:
        entries = collect(module.params["sources"], module.params["exclude"])
    except (ValueError, OSError) as err:
        module.fail_json(msg=str(err))
    if not entries:
        module.fail_json(msg="no files to zip in %s" % [s["path"] for s in module.params["sources"]])
    data = build(entries, level)
    digest = hashlib.sha256(data)
    current = None
    if os.path.exists(dest):
        with open(dest, "rb") as f:
            current = hashlib.sha256(f.read()).hexdigest()
    changed = current != digest.hexdigest()
    if changed and not module.check_mode:
        folder = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(folder):
            os.makedirs(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".zip-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)  # atomic: a reader never sees half a zip
    result = {"changed": changed, "dest": dest, "sha256": digest.hexdigest(),
              "code_sha256": base64.b64encode(digest.digest()).decode(), "size": len(data), "files": len(entries)}
    if module._diff:  # pylint: disable=protected-access  # the documented way to ask for --diff
        result["diff"] = {"before": {"sha256": current}, "after": {"sha256": digest.hexdigest()}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
