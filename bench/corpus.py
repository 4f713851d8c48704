"""A realistic, deterministic manifest corpus for benchmarks: what an ML platform's GitOps repo holds.

``build_corpus(dest, docs, seed)`` writes ``docs`` documents into many multi-document files,
laid out like an app-of-apps repository: per-team application bundles (Deployment, Service,
ConfigMap, ServiceAccount, HPA, NetworkPolicy), stateful services, batch jobs, RBAC,
namespaces with quotas, and the custom resources of the platform (KServe InferenceService,
Kubeflow PyTorchJob, Karpenter NodePool, Argo CD Application).  The same ``seed`` gives the
same bytes.  Every document is schema-valid for Kubernetes 1.31 with the CRDs of ../shared/crds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from corpus_parts import TEAMS, Doc, _image, _resources, ml_bundle, platform_bundle


def _app_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    ns = f"team-{team}"
    replicas = rng.randint(1, 6)
    port = rng.choice([8080, 8000, 9000])
    labels = f"{{app.kubernetes.io/name: {app}, app.kubernetes.io/part-of: {team}}}"
    secure = rng.random() < 0.8
    security = ("      securityContext:\n        runAsNonRoot: true\n"
                "        seccompProfile: {type: RuntimeDefault}\n" if secure else "")
    container_security = ("          securityContext:\n            allowPrivilegeEscalation: false\n"
                          "            readOnlyRootFilesystem: true\n"
                          "            capabilities: {drop: [ALL]}\n" if secure else "")
    deployment = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {ns}
  labels: {labels}
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  selector:
    matchLabels: {{app.kubernetes.io/name: {app}}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata:
      labels: {labels}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "{port}"
    spec:
      serviceAccountName: {app}
{security}      containers:
        - name: {app}
          image: {_image(rng, team, app)}
          imagePullPolicy: IfNotPresent
          args: ["--port={port}", "--log-level=info"]
          ports:
            - {{name: http, containerPort: {port}, protocol: TCP}}
          env:
            - {{name: TEAM, value: {team}}}
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: {app}-db, key: password}}}}
          envFrom:
            - configMapRef: {{name: {app}-config}}
{_resources(rng)}          readinessProbe:
            httpGet: {{path: /ready, port: http}}
            periodSeconds: 10
          livenessProbe:
            httpGet: {{path: /healthz, port: http}}
            initialDelaySeconds: 15
{container_security}          volumeMounts:
            - {{name: tmp, mountPath: /tmp}}
      volumes:
        - name: tmp
          emptyDir: {{sizeLimit: 64Mi}}
"""
    service = f"""apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels: {labels}
spec:
  type: ClusterIP
  selector: {{app.kubernetes.io/name: {app}}}
  ports:
    - {{name: http, port: 80, targetPort: http, protocol: TCP}}
"""
    config = f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-config
  namespace: {ns}
data:
  LOG_FORMAT: json
  FEATURE_FLAGS: "a,b,c"
  settings.yaml: |
    batchSize: {rng.choice([16, 32, 64])}
    cacheTTL: {rng.randint(10, 600)}s
"""
    account = f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {app}
  namespace: {ns}
automountServiceAccountToken: false
"""
    hpa = f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {app}
  namespace: {ns}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {app}}}
  minReplicas: {replicas}
  maxReplicas: {replicas * 4}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {{type: Utilization, averageUtilization: {rng.choice([60, 70, 80])}}}
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 300
      policies: [{{type: Percent, value: 50, periodSeconds: 60}}]
"""
    policy = f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {app}-ingress
  namespace: {ns}
spec:
  podSelector:
    matchLabels: {{app.kubernetes.io/name: {app}}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels: {{kubernetes.io/metadata.name: ingress-nginx}}
      ports:
        - {{port: {port}, protocol: TCP}}
"""
    return [deployment, service, config, account, hpa, policy]


def _stateful_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    ns = f"team-{team}"
    return [f"""apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {app}
  namespace: {ns}
spec:
  serviceName: {app}
  replicas: 3
  podManagementPolicy: Parallel
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      terminationGracePeriodSeconds: 60
      containers:
        - name: {app}
          image: {_image(rng, team, app)}
          ports: [{{name: client, containerPort: 6379}}]
{_resources(rng)}          volumeMounts:
            - {{name: data, mountPath: /data}}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        storageClassName: gp3
        resources:
          requests: {{storage: {rng.choice([10, 50, 100])}Gi}}
""", f"""apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
spec:
  clusterIP: None
  selector: {{app: {app}}}
  ports:
    - {{name: client, port: 6379, targetPort: client}}
"""]


def _batch_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    ns = f"team-{team}"
    pod = f"""      restartPolicy: OnFailure
      containers:
        - name: {app}
          image: {_image(rng, team, app)}
          command: [python, -m, {app.replace('-', '_')}.run]
{_resources(rng)}"""
    indented = "".join("    " + line + "\n" for line in pod.splitlines())
    return [f"""apiVersion: batch/v1
kind: Job
metadata:
  name: {app}-backfill
  namespace: {ns}
spec:
  backoffLimit: 3
  ttlSecondsAfterFinished: 86400
  completions: {rng.randint(1, 8)}
  parallelism: 2
  template:
    spec:
{pod}""", f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {app}-nightly
  namespace: {ns}
spec:
  schedule: "{rng.randint(0, 59)} {rng.randint(0, 5)} * * *"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  jobTemplate:
    spec:
      template:
        spec:
{indented}"""]


def _rbac_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    ns = f"team-{team}"
    verbs = rng.choice(["[get, list, watch]", "[get, list, watch, create, update, patch]"])
    return [f"""apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {app}-reader
  namespace: {ns}
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    verbs: {verbs}
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [get, list]
""", f"""apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {app}-reader
  namespace: {ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {app}-reader
subjects:
  - kind: ServiceAccount
    name: {app}
    namespace: {ns}
""", f"""apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {team}-{app}-view
  labels: {{rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules:
  - apiGroups: [serving.kserve.io]
    resources: [inferenceservices]
    verbs: [get, list, watch]
"""]


def _namespace_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    ns = f"team-{team}-{app}"
    return [f"""apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    pod-security.kubernetes.io/enforce: {rng.choice(["baseline", "restricted"])}
    example.com/team: {team}
""", f"""apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: {ns}
spec:
  hard:
    requests.cpu: "{rng.choice([16, 32, 64])}"
    requests.memory: {rng.choice([64, 128, 256])}Gi
    requests.nvidia.com/gpu: "{rng.choice([2, 4, 8])}"
""", f"""apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: {ns}
spec:
  limits:
    - type: Container
      default: {{memory: 512Mi}}
      defaultRequest: {{cpu: 100m, memory: 256Mi}}
"""]


BUNDLES: list[tuple[str, int, Callable[[random.Random, str, str], list[Doc]]]] = [
    ("apps", 10, _app_bundle),
    ("stateful", 2, _stateful_bundle),
    ("batch", 3, _batch_bundle),
    ("rbac", 2, _rbac_bundle),
    ("namespaces", 2, _namespace_bundle),
    ("ml", 3, ml_bundle),
    ("platform", 2, platform_bundle),
]


def build_corpus(dest: Path, docs: int, seed: int = 0) -> int:
    """Write ``docs`` documents under ``dest`` (created if needed); return how many were written."""
    rng = random.Random(seed)
    dest = Path(dest)
    names = [name for name, _, _ in BUNDLES]
    weights = [weight for _, weight, _ in BUNDLES]
    makers = {name: make for name, _, make in BUNDLES}
    written = 0
    index = 0
    while written < docs:
        kind = rng.choices(names, weights)[0]
        team = rng.choice(TEAMS)
        app = f"{rng.choice(['api', 'feature', 'ranker', 'embed', 'etl', 'serve', 'label'])}-{index}"
        bundle = makers[kind](rng, team, app)[: docs - written]
        path = dest / "teams" / team / kind / f"{app}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\n".join(bundle))
        written += len(bundle)
        index += 1
    return written
