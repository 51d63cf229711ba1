"""AWX objects as code (roles/awx_config), verified without an AWX server.

No controller runs here, so the role plans its objects (`awx_config_plan_file`) and this
test checks them against what can be known offline: the awx.awx modules' own argument
specs, loaded from the installed collection (not copied), AWX's survey format, and the
project itself (every playbook, tag and survey variable exists). What only a live AWX
shows is listed in docs/operations.md.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

PROJECT_DIR = Path(__file__).resolve().parents[2]
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
NOT_SECTIONS = {"emulator", "package", "summary"}


class _Captured(Exception):
    def __init__(self, spec):
        self.spec = spec


def module_spec(name: str) -> dict:
    """The argument_spec awx.awx.<name> builds in its main(), captured as it is handed to
    ControllerAPIModule (the module is not run: no controller is contacted)."""
    module = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{name}")

    def capture(*args, argument_spec=None, **kwargs):
        raise _Captured(argument_spec)

    original = module.ControllerAPIModule
    module.ControllerAPIModule = capture
    try:
        module.main()
    except _Captured as captured:
        return captured.spec
    finally:
        module.ControllerAPIModule = original
    raise AssertionError(f"awx.awx.{name} did not build an argument spec")


def run_role(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), "playbooks/awx.yml", *extra]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(Path.home()),
           "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("awx") / "plan.json"
    run = run_role(out.parent, "-e", f"awx_config_plan_file={out}",
                   "-e", "awx_config_scm_url=https://git.example/aws-mlops-estate.git",
                   "-e", "awx_config_aws_credential=aws-prod", "-e", "awx_config_execution_environment=estate-ee")
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(out.read_text())


def site_sections() -> list[str]:
    imports = yaml.safe_load((PROJECT_DIR / "site.yml").read_text())
    tags = [entry["tags"] for entry in imports if "always" not in entry["tags"]]
    return [t[0] for t in tags if t[0] not in NOT_SECTIONS]


def declared_variables() -> set[str]:
    """Inputs the project declares: role argument specs and inventory group_vars."""
    names: set[str] = set()
    for spec in PROJECT_DIR.glob("roles/*/meta/argument_specs.yml"):
        for entry in yaml.safe_load(spec.read_text())["argument_specs"].values():
            names |= set(entry.get("options", {}))
    for group_vars in PROJECT_DIR.glob("inventories/*/group_vars/*.yml"):
        names |= set(yaml.safe_load(group_vars.read_text()) or {})
    return names


def validate(module: str, params: dict) -> list[str]:
    result = ArgumentSpecValidator(module_spec(module)).validate(params)
    return [str(e) for e in result.error_messages]


def test_every_planned_object_fits_its_modules_argument_spec(plan):
    objects = [("project", plan["project"]), ("inventory", plan["inventory"]),
               ("inventory_source", plan["inventory_source"]),
               ("workflow_job_template", plan["workflow_job_template"])]
    objects += [("job_template", jt) for jt in plan["job_templates"]]
    errors = {f"{module} {params['name']}": validate(module, params) for module, params in objects}
    assert not any(errors.values()), errors


def test_the_tasks_pass_every_planned_key_and_only_keys_the_modules_know(plan):
    tasks = yaml.safe_load((PROJECT_DIR / "roles/awx_config/tasks/main.yml").read_text())
    block = next(t["block"] for t in tasks if "block" in t)
    planned = {"project": plan["project"], "inventory": plan["inventory"],
               "inventory_source": plan["inventory_source"], "job_template": plan["job_templates"][0],
               "workflow_job_template": plan["workflow_job_template"]}
    seen = set()
    for task in block:
        fqcn = next(k for k in task if k.startswith("awx.awx."))
        module = fqcn.split(".")[-1]
        seen.add(module)
        keys = set(task[fqcn])
        assert keys <= set(module_spec(module)), f"{fqcn}: unknown options {keys - set(module_spec(module))}"
        assert keys == set(planned[module]), f"{fqcn}: task keys differ from the plan: {keys ^ set(planned[module])}"
    assert seen == set(planned)


def test_the_sections_come_from_site_yml_in_its_order(plan):
    sections = site_sections()
    assert sections[:4] == ["cloudformation", "cli", "terraform", "lambda"]
    templates = plan["job_templates"]
    assert templates[0]["job_tags"] == "" and templates[0]["playbook"] == "site.yml"
    assert [t["job_tags"] for t in templates[1:]] == sections
    for template in templates:
        assert (PROJECT_DIR / template["playbook"]).is_file()
        assert template["credentials"] == ["aws-prod"]
        assert template["execution_environment"] == "estate-ee"
    nodes = plan["workflow_job_template"]["workflow_nodes"]
    assert [n["identifier"] for n in nodes] == sections
    assert [n["unified_job_template"]["name"] for n in nodes] == [t["name"] for t in templates[1:]]
    chain = [[s["identifier"] for s in n["related"]["success_nodes"]] for n in nodes]
    assert chain == [[s] for s in sections[1:]] + [[]]


def test_each_section_tag_selects_that_sections_play():
    for section in site_sections():
        out = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "site.yml", "--list-tags",
                              "--tags", section], cwd=PROJECT_DIR, capture_output=True, text=True, check=True,
                             env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(Path.home()),
                                  "ANSIBLE_CONFIG": str(PROJECT_DIR / "ansible.cfg")}).stdout
        assert f"TAGS: [{section}]" in out, out


def test_surveys_are_well_formed_and_ask_only_for_variables_the_project_declares(plan):
    declared = declared_variables()
    specs = [t["survey_spec"] for t in plan["job_templates"]] + [plan["workflow_job_template"]["survey_spec"]]
    for survey in specs:
        assert survey["name"] and survey["description"] and survey["spec"]
        for question in survey["spec"]:
            assert question["type"] in SURVEY_TYPES, question
            assert question["question_name"] and isinstance(question["required"], bool), question
            assert question["variable"] in declared, f"survey asks for {question['variable']}, which nothing declares"
            if question["type"] in {"multiplechoice", "multiselect"}:
                assert question["default"] in question["choices"], question
    by_section = {t["job_tags"]: [q["variable"] for q in t["survey_spec"]["spec"]] for t in plan["job_templates"]}
    assert all(v[0] == "aws_region" for v in by_section.values())
    assert "terraform_confirm_aurora_cost" in by_section["terraform"]
    assert by_section["terraform"][1:] == ["terraform_confirm_aurora_cost"]


def test_without_the_repository_url_it_stops_naming_the_variables(tmp_path):
    run = run_role(tmp_path)
    assert run.returncode != 0
    assert "awx_config_scm_url" in run.stdout and "awx_config_aws_credential" in run.stdout
