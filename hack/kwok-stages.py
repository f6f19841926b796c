#!/usr/bin/python3
"""Writes the kwok stage configuration of the test cluster to stdout: kwok's default stages
(from the pinned module, cached by hack/build-tools.sh) with the project's test stages in
hack/kwok/ added, and the default pod-ready stage kept away from pods a test stage owns."""
import glob
import os
import sys

import yaml

defaults, project_dir = sys.argv[1], sys.argv[2]
stages = [d for d in yaml.safe_load_all(open(defaults)) if d]
extra = []
for path in sorted(glob.glob(os.path.join(project_dir, "*.yaml"))):
    extra += [d for d in yaml.safe_load_all(open(path)) if d]
test_labels = []
for stage in extra:
    for expr in stage["spec"]["selector"].get("matchExpressions", []):
        if expr["key"].startswith(".metadata.labels["):
            test_labels.append(expr["key"])
for stage in stages:
    if stage["metadata"]["name"] == "pod-ready":
        exprs = stage["spec"]["selector"].setdefault("matchExpressions", [])
        exprs += [{"key": k, "operator": "DoesNotExist"} for k in test_labels]
yaml.safe_dump_all(stages + extra, sys.stdout, sort_keys=False)
