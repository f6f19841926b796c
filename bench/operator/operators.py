"""The operators under test: how each is started, which CRDs it needs, its custom resource for
the equivalent of config/samples/mcp_v1_mcpserver_stdio.yaml, the spec change of the rollout,
and what "Ready" means in its status.

Every operator runs as a process outside the cluster with the admin kubeconfig (as `make run`
does), so its memory and CPU are read from /proc alike.
"""
import os

# The stdio sample: a stdio-only server from npm (node image, npx command), HOME on /tmp.
IMAGE = "node:22-alpine"
COMMAND = ["npx", "-y", "@modelcontextprotocol/server-everything"]
ENV = [{"name": "HOME", "value": "/tmp"}]
# The rollout: one more environment variable, so every Deployment's pod template changes.
ROLLOUT_ENV = ENV + [{"name": "BENCH_REVISION", "value": "2"}]


def _ready_condition(obj):
    for c in obj.get("status", {}).get("conditions", []) or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def _current(obj):
    return obj.get("status", {}).get("observedGeneration") == obj["metadata"].get("generation")


class Operator:
    name = ""
    version = ""
    group_version = ""
    plural = "mcpservers"
    user_agent = ""  # prefix of the User-Agent its requests carry (audit log filter)
    ready_meaning = ""

    def crd_paths(self):
        raise NotImplementedError

    def command(self, workdir):
        raise NotImplementedError

    def env(self):
        return {}

    def setup_namespaces(self):
        return []

    def resource(self, name):
        raise NotImplementedError

    def rollout_patch(self):
        return {"spec": {"env": ROLLOUT_ENV}}

    def ready(self, obj):
        raise NotImplementedError

    def path(self, ns):
        return f"/apis/{self.group_version}/namespaces/{ns}/{self.plural}"


class McpOperator(Operator):
    """This repository's operator, from the build tree."""
    name = "mcp-operator"
    group_version = "mcp.v2dy.io/v1"
    user_agent = "mcp-operator"
    ready_meaning = ("condition `Ready=True` with `status.observedGeneration` equal to the object's "
                     "generation (phase `Running`): every replica of the current Deployment revision is Ready")

    def __init__(self, repo, binary):
        self.repo, self.binary = repo, binary
        self.version = open(os.path.join(repo, "VERSION")).read().strip()

    def crd_paths(self):
        return [os.path.join(self.repo, "config/crd/bases")]

    def command(self, workdir):
        # MCP_BENCH_OPERATOR_ARGS: extra flags, to try a setting (the report records the command).
        extra = os.environ.get("MCP_BENCH_OPERATOR_ARGS", "").split()
        return [self.binary, "--log-format=json", f"--bridge-image=mcp-bridge:{self.version}",
                "--health-probe-bind-address=127.0.0.1:0", "--metrics-bind-address=127.0.0.1:0", *extra]

    def resource(self, name):
        return {"apiVersion": self.group_version, "kind": "MCPServer", "metadata": {"name": name},
                "spec": {"image": IMAGE, "protocol": "stdio", "command": COMMAND, "port": 3000, "env": ENV,
                         "bridge": {"sessionMode": "per-session", "warmPoolSize": 1}}}

    def ready(self, obj):
        return _ready_condition(obj) and _current(obj)


class ToolHive(Operator):
    """ToolHive's operator (cmd/thv-operator). Its Deployment runs the ToolHive proxy runner,
    which in a real cluster creates a StatefulSet running the MCP server itself. kwok runs no
    container, so that StatefulSet never appears and the status stays at phase `Pending`
    ("MCP server proxy is running; recreating missing workload StatefulSet") with
    `readyReplicas` counting the proxy's Running pods. So "Ready" here is the most its status
    can report on kwok: `status.readyReplicas >= 1` for the current generation."""
    name = "toolhive"
    group_version = "toolhive.stacklok.dev/v1beta1"
    user_agent = "thv-operator"
    ready_meaning = ("`status.readyReplicas >= 1` with `status.observedGeneration` equal to the generation: the "
                     "proxy runner's pod is Running and Ready. Its phase `Ready` also needs the StatefulSet the "
                     "proxy runner creates, which no kwok pod can create, so the phase stays `Pending`")
    namespace = "toolhive-system"

    def __init__(self, peer):
        self.version, self.binary, self.crds = peer["version"], peer["binary"], peer["crds"]
        self.name = peer["name"]  # "toolhive", or "toolhive-newest" for the newest release beside it

    def crd_paths(self):
        return [self.crds]

    def command(self, workdir):
        return [self.binary, "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0"]

    def env(self):
        # No update check (it would call out of the machine); its namespace for leader data.
        return {"TOOLHIVE_SKIP_UPDATE_CHECK": "true", "POD_NAMESPACE": self.namespace}

    def setup_namespaces(self):
        return [self.namespace]

    def resource(self, name):
        return {"apiVersion": self.group_version, "kind": "MCPServer", "metadata": {"name": name},
                "spec": {"image": IMAGE, "transport": "stdio", "args": COMMAND, "proxyPort": 3000, "env": ENV}}

    def ready(self, obj):
        return (obj.get("status", {}).get("readyReplicas") or 0) >= 1 and _current(obj)
