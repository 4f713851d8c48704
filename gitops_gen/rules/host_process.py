"""host-process: no Windows HostProcess pods or containers.

A Windows HostProcess container runs directly on the node as a process with the node's
network and file system, typically as ``NT AUTHORITY\\SYSTEM``: it is the Windows equivalent
of a privileged, host-network, host-path container all at once.

Pod Security Standards, baseline ("HostProcess"); Kyverno ``disallow-host-process``.

``securityContext.windowsOptions.hostProcess: true`` is reported wherever it is set: at pod
level (every container inherits it) and on each container.  One finding per such line.

Options: none.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: win-app}
    spec:
      nodeSelector: {kubernetes.io/os: windows}
      containers:
      - name: app
        image: mcr.microsoft.com/windows/servercore:ltsc2022

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: win-agent}
    spec:
      securityContext:
        windowsOptions:
          hostProcess: true         # finding here
          runAsUserName: 'NT AUTHORITY\\SYSTEM'
      hostNetwork: true
      containers:
      - name: agent
        image: ghcr.io/acme/win-agent:1.0.0
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import all_contexts
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "host-process"
SEVERITY = Severity.ERROR
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Windows HostProcess pod or container (windowsOptions.hostProcess: true)."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for context in all_contexts(resource):
        windows = mapping(context.data.get("windowsOptions"))
        if windows is not None and windows.get("hostProcess") is True:
            scope = " (every container of the pod)" if context.pod_level else ""
            yield Violation(f"{context.label} is a Windows HostProcess{scope}: it runs on the node "
                            "with the node's privileges; remove windowsOptions.hostProcess",
                            context.at("windowsOptions", "hostProcess"))
