#!/usr/bin/python3
"""Expands the CRD templates in config/crd/src into config/crd/bases.

The templates are complete CRDs written by hand, except that a schema node may say
`$k8s: <openapi name>` (for example `io.k8s.api.core.v1.EnvVar`): this is replaced by that
type's schema from the OpenAPI v3 documents of the pinned Kubernetes release (the
k8s.io/kubernetes module used for the test cluster), converted to a structural CRD schema the
way controller-gen does it (references inlined, int-or-string and quantities as
x-kubernetes-int-or-string, ObjectMeta kept opaque, defaults and patch hints dropped). Keys
next to `$k8s` (description, x-kubernetes-validations, ...) are merged over the expansion.

Usage: hack/gen-crd.py [--check]   (--check: fail if config/crd/bases is not current)
"""
import copy
import glob
import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "config", "crd", "src")
OUT = os.path.join(ROOT, "config", "crd", "bases")

# Keys of OpenAPI schemas that a CRD's JSONSchemaProps accepts and that we keep.
KEEP = {
    "type", "format", "description", "properties", "items", "required", "enum", "maximum",
    "minimum", "exclusiveMaximum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "additionalProperties",
    "nullable", "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource", "x-kubernetes-validations", "anyOf",
}
OPAQUE = {
    # Embedded object metadata (e.g. in ephemeral volume claim templates) stays opaque, as
    # controller-gen renders it: the apiserver validates it where it is used.
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": {"type": "string", "format": "date-time"},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
        "x-kubernetes-int-or-string": True,
    },
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {
        "anyOf": [{"type": "integer"}, {"type": "string"}],
        "x-kubernetes-int-or-string": True,
    },
}


def openapi_schemas():
    mod = os.path.join(ROOT, "tools", "kubernetes")
    env = dict(os.environ, GOFLAGS="-mod=mod")
    subprocess.run(["go", "mod", "download", "k8s.io/kubernetes"], cwd=mod, check=True, env=env)
    moddir = subprocess.run(["go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/kubernetes"], cwd=mod, check=True,
                            env=env, capture_output=True, text=True).stdout.strip()
    schemas = {}
    for path in sorted(glob.glob(os.path.join(moddir, "api", "openapi-spec", "v3", "*.json"))):
        with open(path) as f:
            schemas.update(json.load(f).get("components", {}).get("schemas", {}))
    return schemas


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


class Expander:
    def __init__(self, schemas):
        self.schemas = schemas

    def named(self, name, stack):
        if name in OPAQUE:
            return copy.deepcopy(OPAQUE[name])
        if name in stack:
            raise SystemExit(f"recursive schema {name} cannot be inlined into a CRD")
        if name not in self.schemas:
            raise SystemExit(f"unknown OpenAPI schema {name}")
        return self.convert(self.schemas[name], stack + (name,))

    def convert(self, node, stack):
        node = dict(node)
        base = {}
        if "$ref" in node:
            base = self.named(ref_name(node.pop("$ref")), stack)
        if "allOf" in node:
            for part in node.pop("allOf"):
                base.update(self.convert(part, stack))
        out = dict(base)
        for key, value in node.items():
            if key == "properties":
                out["properties"] = {k: self.convert(v, stack) for k, v in value.items()}
            elif key == "items":
                out["items"] = self.convert(value, stack)
            elif key == "additionalProperties" and isinstance(value, dict):
                out["additionalProperties"] = self.convert(value, stack)
            elif key == "oneOf" and node.get("format") == "int-or-string":
                continue
            elif key == "format" and value == "int-or-string":
                out.update(OPAQUE["io.k8s.apimachinery.pkg.util.intstr.IntOrString"])
            elif key in KEEP:
                out[key] = value
        if "x-kubernetes-int-or-string" in out:
            out.pop("type", None)
        return out

    def expand(self, node, stack=()):
        """Walks a template, replacing every `$k8s:` node by its expansion."""
        if isinstance(node, list):
            return [self.expand(v, stack) for v in node]
        if not isinstance(node, dict):
            return node
        if "$k8s" in node:
            extra = {k: self.expand(v, stack) for k, v in node.items() if k != "$k8s"}
            out = self.named(node["$k8s"], stack)
            out.update(extra)
            return out
        return {k: self.expand(v, stack) for k, v in node.items()}


class Dumper(yaml.SafeDumper):
    pass


def str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(str, str_presenter)


def render(expander, path):
    with open(path) as f:
        template = yaml.safe_load(f)
    crd = expander.expand(template)
    header = ("# Generated by hack/gen-crd.py from config/crd/src/" + os.path.basename(path) +
              ": edit the template and run `make manifests`.\n---\n")
    return header + yaml.dump(crd, Dumper=Dumper, sort_keys=False, width=100, allow_unicode=True)


def main():
    check = "--check" in sys.argv[1:]
    expander = Expander(openapi_schemas())
    stale = []
    os.makedirs(OUT, exist_ok=True)
    for path in sorted(glob.glob(os.path.join(SRC, "*.yaml"))):
        text = render(expander, path)
        dest = os.path.join(OUT, os.path.basename(path))
        current = open(dest).read() if os.path.exists(dest) else None
        if current == text:
            continue
        if check:
            stale.append(os.path.relpath(dest, ROOT))
        else:
            with open(dest, "w") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(dest, ROOT)}", file=sys.stderr)
    if stale:
        print("stale generated CRDs (run `make manifests`): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
