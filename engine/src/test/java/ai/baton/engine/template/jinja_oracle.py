"""Renders chat templates with Python Jinja2 configured as transformers configures it.

The expected strings in this package's tests came from this environment. To check a new case:
    echo '{"template": "{{ x|tojson }}", "vars": {"x": [1, 2.0]}}' | python3 jinja_oracle.py
Needs jinja2 >= 3.1 (transformers' own requirement).
"""
import json
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return datetime.now().strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

if __name__ == "__main__":
    case = json.load(sys.stdin)
    try:
        print(json.dumps({"out": env.from_string(case["template"]).render(**case.get("vars", {}))}, ensure_ascii=False))
    except Exception as e:  # report the error the way a test would see it
        print(json.dumps({"err": "%s: %s" % (type(e).__name__, e)}, ensure_ascii=False))
