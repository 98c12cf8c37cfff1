"""Semantic checks of workflow documents, after their JSON Schema.

A workflow that saves must be runnable: its object and every field it names exist,
every step it jumps to exists, every condition parses against the object's fields.
Values that are templates (``{{record.owner}}``) are checked when a run renders them,
by the records service that writes them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from cronsim import CronSim, CronSimError

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.fieldtypes import type_of
from objectry.metadata.i18n import LANGUAGES
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors

END = "end"
DURATION_KEYS = ("days", "hours", "minutes")
MESSAGE_CHANNELS = ("email", "sms", "wecom")
#: The placeholders of runtime templates (``{{record.email}}``), as they are parsed there.
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)\s*\}\}")
#: A webhook's signing secret: only a reference to the tenant secret store, never a key
#: written into the definition (which customizers read and history keeps).
SECRET_REFERENCE = re.compile(r"\{\{\s*secret\.[a-z][a-z0-9_]{0,62}\s*\}\}")


def validate_workflow(document: Any, objects: Mapping[str, Mapping[str, Any]], *,
                      scoring_models: Mapping[str, Mapping[str, Any]] | None = None,
                      assignment_rules: Mapping[str, Mapping[str, Any]] | None = None,
                      pools: Mapping[str, Mapping[str, Any]] | None = None,
                      ) -> list[ErrorItem]:
    """Every problem with a workflow. ``scoring_models``, ``assignment_rules`` and
    ``pools`` (name -> document) let ``score``, ``assign`` and ``return_to_pool`` steps
    be checked; None (a dry run of an unsaved body) leaves them to the run."""
    errors = schema_errors("workflow", document)
    if errors:
        return errors
    object_name = document["object"]
    definition = objects.get(object_name)
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": object_name})]
    errors += _trigger_errors(document["trigger"], definition, objects)
    steps = document["steps"]
    ids = [step["id"] for step in steps]
    for i, step_id in enumerate(ids):
        if step_id in ids[:i] or step_id == END:
            errors.append(ErrorItem(pointer("steps", i, "id"), "duplicate_step",
                                    {"step": step_id}))
    for i, step in enumerate(steps):
        errors += _step_errors(step, pointer("steps", i), definition, objects, set(ids))
        if step.get("action") == "score":
            errors += _score_errors(step, pointer("steps", i), object_name, scoring_models)
        if step.get("action") == "assign" and "rule" in step and assignment_rules is not None:
            errors += _rule_errors(step["rule"], pointer("steps", i, "rule"), object_name,
                                   assignment_rules)
        if step.get("action") == "return_to_pool":
            errors += _pool_errors(step, pointer("steps", i), object_name, pools)
    return errors


def _pool_errors(step: Mapping[str, Any], at: str, object_name: str,
                 pools: Mapping[str, Mapping[str, Any]] | None) -> list[ErrorItem]:
    """A return_to_pool step names a pool of the workflow's object and says why."""
    errors = [ErrorItem(f"{at}/{key}", "required") for key in ("pool", "reason")
              if not str(step.get(key) or "").strip()]
    name = step.get("pool")
    if name is None or pools is None:
        return errors
    pool = pools.get(name)
    if pool is None:
        return [*errors, ErrorItem(f"{at}/pool", "unknown_pool", {"pool": name})]
    if pool.get("object") != object_name:
        errors.append(ErrorItem(f"{at}/pool", "pool_wrong_object",
                                {"pool": name, "object": pool.get("object", ""),
                                 "expected": object_name}))
    return errors


def _rule_errors(name: Any, at: str, object_name: str,
                 rules: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    """An assign step's ``rule`` names an assignment rule of the workflow's object."""
    rule = rules.get(name) if isinstance(name, str) else None
    if rule is None:
        return [ErrorItem(at, "unknown_assignment_rule", {"rule": str(name)[:63]})]
    if rule.get("object") != object_name:
        return [ErrorItem(at, "assignment_rule_object",
                          {"rule": name, "object": rule.get("object", ""),
                           "expected": object_name})]
    return []


def _score_errors(step: Mapping[str, Any], at: str, object_name: str,
                  scoring_models: Mapping[str, Mapping[str, Any]] | None) -> list[ErrorItem]:
    """A score step names a scoring model of the workflow's object."""
    name = step.get("model")
    if name is None:
        return [ErrorItem(f"{at}/model", "required")]
    if scoring_models is None:
        return []
    model = scoring_models.get(name)
    if model is None:
        return [ErrorItem(f"{at}/model", "unknown_scoring_model", {"model": name})]
    if model.get("object") != object_name:
        return [ErrorItem(f"{at}/model", "scoring_model_wrong_object",
                          {"model": name, "object": model.get("object", ""),
                           "expected": object_name})]
    return []


def field_lookup(definition: Mapping[str, Any]) -> Any:
    """Field lookup over an object definition, system fields included."""
    fields = {f["api_name"]: f for f in definition["fields"]}
    return lambda name: fields.get(name) or SYSTEM_FIELDS.get(name)


def object_lookup(objects: Mapping[str, Mapping[str, Any]]) -> Any:
    """Field lookups of other objects, for related-record conditions."""
    return lambda name: field_lookup(objects[name]) if name in objects else None


def lookup_fields_to(child: Mapping[str, Any], target: str) -> list[str]:
    """The lookup fields of ``child`` that point at ``target``."""
    return [f["api_name"] for f in child["fields"]
            if (ftype := type_of(f)) is not None and ftype.reference
            and f.get("target") == target]


def _trigger_errors(trigger: Mapping[str, Any], definition: Mapping[str, Any],
                    objects: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    name, on = definition["api_name"], trigger["on"]
    fields = field_lookup(definition)
    condition_object = definition
    if on == "related_created":
        related = trigger.get("related")
        child = objects.get(related) if related else None
        if child is None:
            code = "unknown_object" if related else "required"
            return [ErrorItem("/trigger/related", code, {"object": related or ""})]
        links = lookup_fields_to(child, name)
        via = trigger.get("via")
        if via is not None and via not in links:
            errors.append(ErrorItem("/trigger/via", "not_a_lookup_to",
                                    {"field": via, "object": name}))
        elif via is None and len(links) != 1:
            errors.append(ErrorItem("/trigger/via", "ambiguous_lookup",
                                    {"object": related, "target": name}))
        condition_object = child
    if on == "event" and not trigger.get("event"):
        errors.append(ErrorItem("/trigger/event", "required"))
    errors += _timed_errors(trigger, definition, objects)
    for i, field in enumerate(trigger.get("changed", [])):
        if on != "updated":
            errors.append(ErrorItem("/trigger/changed", "changed_needs_update"))
            break
        if fields(field) is None:
            errors.append(ErrorItem(pointer("trigger", "changed", i), "unknown_field",
                                    {"object": name, "field": field}))
    if "condition" in trigger:
        errors += condition_errors(trigger["condition"], field_lookup(condition_object),
                                   object_name=condition_object["api_name"],
                                   at="/trigger/condition", objects=object_lookup(objects),
                                   changes=on == "updated")
    return errors


def _timed_errors(trigger: Mapping[str, Any], definition: Mapping[str, Any],
                  objects: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    """Schedule (cron), date-relative and inactivity triggers."""
    on, name = trigger["on"], definition["api_name"]
    if "for_each_record" in trigger and on != "schedule":
        return [ErrorItem("/trigger/for_each_record", "for_each_record_needs_schedule")]
    if on == "schedule":
        if not valid_cron(trigger.get("cron")):
            return [ErrorItem("/trigger/cron", "invalid_cron",
                              {"cron": str(trigger.get("cron", ""))[:120]})]
        if trigger.get("for_each_record") is False and "condition" in trigger:
            return [ErrorItem("/trigger/condition", "condition_needs_records")]
    elif on == "date":
        field = field_lookup(definition)(trigger.get("field", ""))
        ftype = type_of(field)
        if ftype is None or not ftype.temporal:
            return [ErrorItem("/trigger/field", "not_a_date_field",
                              {"field": trigger.get("field", "")})]
        if trigger.get("yearly") and not ftype.whole_days:
            return [ErrorItem("/trigger/yearly", "yearly_needs_date")]
    elif on == "inactivity":
        if not isinstance(trigger.get("days"), int) or trigger["days"] < 1:
            return [ErrorItem("/trigger/days", "required")]
        activity = trigger.get("activity")
        if activity is not None:
            child = objects.get(activity["object"])
            if child is None:
                return [ErrorItem("/trigger/activity/object", "unknown_object",
                                  {"object": activity["object"]})]
            links = lookup_fields_to(child, name)
            via = activity.get("via")
            if (via is not None and via not in links) or (via is None and len(links) != 1):
                return [ErrorItem("/trigger/activity/via", "ambiguous_lookup",
                                  {"object": activity["object"], "target": name})]
    return []


def valid_cron(expression: Any) -> bool:
    """A five-field cron expression cronsim understands (minute hour day month weekday)."""
    if not isinstance(expression, str) or len(expression.split()) != 5:
        return False
    try:
        CronSim(expression, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    except CronSimError:
        return False
    return True


def _step_errors(step: Mapping[str, Any], at: str, definition: Mapping[str, Any],
                 objects: Mapping[str, Mapping[str, Any]], ids: set[str]) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    targets = [("next", step.get("next")), ("else", step.get("else")),
               ("on_failure/then", step.get("on_failure", {}).get("then")),
               ("wait/on_timeout", step.get("wait", {}).get("on_timeout"))]
    targets += [(f"branch/{i}/then", b["then"]) for i, b in enumerate(step.get("branch", []))]
    for where, target in targets:
        if target is not None and target != END and target not in ids:
            errors.append(ErrorItem(f"{at}/{where}", "unknown_step", {"step": target}))
    name, fields = definition["api_name"], field_lookup(definition)
    for i, branch in enumerate(step.get("branch", [])):
        errors += condition_errors(branch["if"], fields, object_name=name,
                                   at=f"{at}/branch/{i}/if", objects=object_lookup(objects),
                                   changes=False)
    if "wait" in step:
        errors += _wait_errors(step["wait"], f"{at}/wait", definition, objects)
    action = step.get("action")
    if action in ("update_record", "create_record"):
        target = objects.get(step.get("object", name)) if action == "create_record" else \
            definition
        if target is None:
            return [*errors, ErrorItem(f"{at}/object", "unknown_object",
                                       {"object": step.get("object")})]
        if not step.get("values"):
            errors.append(ErrorItem(f"{at}/values", "required"))
        target_fields = {f["api_name"] for f in target["fields"]} | {"owner"}
        for field in step.get("values", {}):
            if field not in target_fields:
                errors.append(ErrorItem(f"{at}/values/{field}", "unknown_field",
                                        {"object": target["api_name"], "field": field}))
    elif action in ("add_tag", "remove_tag"):
        errors += _tag_errors(step, at, definition)
    elif action == "assign" and not (step.get("to") or step.get("rule")):
        errors.append(ErrorItem(f"{at}/to", "required"))
    elif action == "call_function" and not step.get("function"):
        errors.append(ErrorItem(f"{at}/function", "required"))
    elif action == "send_message":
        errors += _message_errors(step, at, definition)
    elif action == "call_webhook":
        if not str(step.get("url", "")).startswith(("https://", "http://", "{{")):
            errors.append(ErrorItem(f"{at}/url", "webhook_bad_url",
                                    {"url": str(step.get("url", ""))[:200]}))
        if "signing_secret" in step and not SECRET_REFERENCE.fullmatch(
                str(step["signing_secret"])):
            errors.append(ErrorItem(f"{at}/signing_secret", "signing_secret_literal"))
    return errors


def _wait_errors(wait: Mapping[str, Any], at: str, definition: Mapping[str, Any],
                 objects: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    kinds = [k for k in ("duration", "until_field", "until")
             if (k == "duration" and any(d in wait for d in DURATION_KEYS)) or k in wait]
    if len(kinds) != 1:
        return [ErrorItem(at, "wait_needs_one", {"kinds": kinds})]
    if kinds[0] == "until_field":
        field = field_lookup(definition)(wait["until_field"])
        ftype = type_of(field)
        if ftype is None or not ftype.temporal:
            return [ErrorItem(f"{at}/until_field", "not_a_date_field",
                              {"field": wait["until_field"]})]
    if kinds[0] == "until":
        errors = condition_errors(wait["until"], field_lookup(definition),
                                  object_name=definition["api_name"], at=f"{at}/until",
                                  objects=object_lookup(objects), changes=False)
        if "timeout" not in wait:
            errors.append(ErrorItem(f"{at}/timeout", "required"))
        return errors
    return []


def _tag_errors(step: Mapping[str, Any], at: str,
                definition: Mapping[str, Any]) -> list[ErrorItem]:
    field = field_lookup(definition)(step.get("field", ""))
    ftype = type_of(field)
    if field is None or ftype is None or not ftype.multi_valued:
        return [ErrorItem(f"{at}/field", "not_a_tag_field", {"field": step.get("field", "")})]
    if step.get("tag") not in (ftype.choices(field) or []):
        return [ErrorItem(f"{at}/tag", "unknown_option", {"value": step.get("tag", ""),
                                                          "field": field["api_name"]})]
    return []


def _message_errors(step: Mapping[str, Any], at: str,
                    definition: Mapping[str, Any]) -> list[ErrorItem]:
    """A send_message step: a known channel, a recipient, a template in every language."""
    errors: list[ErrorItem] = []
    channel = step.get("channel")
    if channel is None:
        errors.append(ErrorItem(f"{at}/channel", "required"))
    elif channel not in MESSAGE_CHANNELS:
        errors.append(ErrorItem(f"{at}/channel", "unknown_channel",
                                {"channel": channel, "known": list(MESSAGE_CHANNELS)}))
    fields = field_lookup(definition)
    to = step.get("to")
    if to is None:
        errors.append(ErrorItem(f"{at}/to", "required"))
    elif not _recipient_ok(to, fields):
        errors.append(ErrorItem(f"{at}/to", "message_bad_to",
                                {"object": definition["api_name"], "to": to[:100]}))
    template = step.get("template")
    if template is None:
        return [*errors, ErrorItem(f"{at}/template", "required")]
    shape = schema_errors("message_template", template)
    if shape:
        return [*errors, *(ErrorItem(f"{at}/template{e.path}", e.code, e.params)
                           for e in shape)]
    if channel == "email" and "subject" not in template:
        errors.append(ErrorItem(f"{at}/template/subject", "email_needs_subject"))
    for part in ("subject", "body"):
        texts = template.get(part)
        if texts is None:
            continue
        for language in LANGUAGES:
            if not texts.get(language):
                errors.append(ErrorItem(f"{at}/template/{part}/{language}",
                                        "template_language_missing",
                                        {"part": part, "language": language}))
        for language, text in texts.items():
            errors += [ErrorItem(f"{at}/template/{part}/{language}", "template_unknown",
                                 {"name": name})
                       for name in PLACEHOLDER.findall(text) if not _known_name(name, fields)]
    return errors


def _recipient_ok(to: str, fields: Any) -> bool:
    """A field name, or text whose placeholders all name something that exists."""
    names = PLACEHOLDER.findall(to)
    if not names:
        return fields(to.strip()) is not None
    return all(_known_name(name, fields) for name in names)


def _known_name(name: str, fields: Any) -> bool:
    """``record.<field>`` of the object, or the run's ``trigger.*``, ``now`` and
    ``today``."""
    head, _, rest = name.partition(".")
    if head == "record":
        return bool(rest) and "." not in rest and fields(rest) is not None
    return head in ("trigger", "now", "today")
