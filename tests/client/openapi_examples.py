#!/usr/bin/env python3
"""Executes every request example of the served OpenAPI document against `scopegate demo`, as
Swagger UI's "Try it out" would send it, and fails unless each answers 2xx (DESIGN §4.9).

    python3 tests/client/openapi_examples.py BASE_URL TOKEN

An operation runs when it has a request-body example or when all its path parameters (and
required query parameters) have examples. Creates run first (shorter paths first), then
updates and other posts (a registry PUT creates), then reads, then deletes (longer paths
first), so that an example may read, update or delete what another example created. An operation with a body example but a path parameter
without one cannot run "as is" and fails. Standard library only.

With no example in the document at all, prints a line starting with "PENDING:" on stderr.

    python3 tests/client/openapi_examples.py BASE_URL TOKEN --overlay FILE.json

first writes the examples of the overlay (the format of src/admin/openapi/examples.json, which
the server itself writes into the document) into the served document (each entry: `method`, `path`
or `scoped` + `tail` for the account, organization and project variants, path and query
`params`, `body`, and `body_by_level` {"1": organization body, "2": project body} where the
variants differ; `{org}` and `{project}` default to `eng` and `web`): a way to check examples
before they are written into the DTOs.
"""

import json
import sys
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

METHODS = ("get", "post", "put", "patch", "delete")
ACTIONS = ("/rotate", "/acl", "/explain", "/login", "/preview")


def example_of(obj):
    """The example an OpenAPI object carries (`example`, first of `examples`, schema's)."""
    if not isinstance(obj, dict):
        return None
    if "example" in obj:
        return obj["example"]
    examples = obj.get("examples")
    if isinstance(examples, dict) and examples:
        first = next(iter(examples.values()))
        return first.get("value") if isinstance(first, dict) else None
    if isinstance(examples, list) and examples:
        return examples[0]
    return example_of(obj.get("schema"))


def body_example(op):
    content = (op.get("requestBody") or {}).get("content") or {}
    media = content.get("application/json")
    return example_of(media) if media else None


def phase(method, path):
    if method == "post" and not path.endswith(ACTIONS):
        return 0, len(path)
    if method == "get":
        return 2, len(path)
    if method == "delete":
        return 3, -len(path)
    return 1, len(path)


def plan(doc):
    runs, problems = [], []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            body = body_example(op)
            params = op.get("parameters", [])
            path_values, query, missing = {}, {}, []
            for p in params:
                value = example_of(p)
                if p.get("in") == "path":
                    if value is None:
                        missing.append(p["name"])
                    else:
                        path_values[p["name"]] = value
                elif p.get("in") == "query" and value is not None:
                    query[p["name"]] = value
                elif p.get("in") == "query" and p.get("required"):
                    missing.append(p["name"])
            if body is None and (missing or not path_values):
                continue
            if missing:
                problems.append(f"{method.upper()} {path}: cannot run as is, no example for {', '.join(missing)}")
                continue
            url = path
            for name, value in path_values.items():
                url = url.replace("{" + name + "}", quote(str(value), safe=""))
            if query:
                url += "?" + urlencode(query)
            runs.append((phase(method, path), method.upper(), url, body, op.get("operationId", path)))
    runs.sort(key=lambda r: r[0])
    return runs, problems


def call(base, token, method, url, body):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"x-api-key": token, "accept": "application/json"}
    if data is not None:
        headers["content-type"] = "application/json"
    req = urllib.request.Request(base + url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


SCOPES = ("/v1", "/v1/orgs/{org}", "/v1/orgs/{org}/projects/{project}")
SCOPE_PARAMS = {"org": "eng", "project": "web"}


def apply_overlay(doc, entries):
    """Writes the overlay's examples into `doc` (see the module comment)."""
    for e in entries:
        paths = [s + e["tail"] for s in SCOPES] if e.get("scoped") else [e["path"]]
        for level, path in enumerate(paths):
            op = doc["paths"].get(path, {}).get(e["method"])
            if op is None:
                raise SystemExit(f"overlay: no operation {e['method'].upper()} {path}")
            if "body" in e:
                body = e.get("body_by_level", {}).get(str(level), e["body"])
                op["requestBody"]["content"]["application/json"]["example"] = body
            values = {**SCOPE_PARAMS, **e.get("params", {})}
            for p in op.get("parameters", []):
                if p["name"] in values and (p["in"] == "path" or p["name"] in e.get("params", {})):
                    p["example"] = values[p["name"]]


def main():
    base, token = sys.argv[1], sys.argv[2]
    with urllib.request.urlopen(base + "/api-docs/openapi.json", timeout=10) as res:
        doc = json.load(res)
    if len(sys.argv) == 5 and sys.argv[3] == "--overlay":
        with open(sys.argv[4]) as f:
            apply_overlay(doc, json.load(f))
    runs, problems = plan(doc)
    if not runs and not problems:
        print("PENDING: the OpenAPI document has no request examples yet: nothing to execute",
              file=sys.stderr)
        return 0
    for _, method, url, body, op_id in runs:
        status, text = call(base, token, method, url, body)
        verdict = "ok" if 200 <= status < 300 else "FAILED"
        print(f"{verdict} {status} {method} {url} ({op_id})")
        if verdict != "ok":
            problems.append(f"{method} {url} ({op_id}) answered {status}: {text[:300]}")
    print(f"{len(runs)} examples executed")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
