"""Shared pieces of the benchmark corpus, and its ML-platform bundles (custom resources)."""

from __future__ import annotations

import random

TEAMS = ["research", "vision", "nlp", "recsys", "speech", "platform", "forecasting", "search"]
IMAGES = ["registry.example.com/{team}/{app}:1.{minor}.{patch}",
          "ghcr.io/example/{app}@sha256:{digest}"]

Doc = str


def _image(rng: random.Random, team: str, app: str) -> str:
    template = rng.choice(IMAGES)
    return template.format(team=team, app=app, minor=rng.randint(0, 30), patch=rng.randint(0, 9),
                           digest=f"{rng.getrandbits(256):064x}")


def _resources(rng: random.Random) -> str:
    cpu = rng.choice(["100m", "250m", "500m", "1"])
    memory = rng.choice(["128Mi", "256Mi", "512Mi", "1Gi"])
    return (f"          resources:\n            requests: {{cpu: {cpu}, memory: {memory}}}\n"
            f"            limits: {{memory: {memory}}}\n")


def ml_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    ns = f"team-{team}"
    gpus = rng.choice([1, 2, 4])
    return [f"""apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {app}
  namespace: {ns}
  annotations:
    serving.kserve.io/deploymentMode: RawDeployment
spec:
  predictor:
    minReplicas: 1
    maxReplicas: {rng.randint(2, 8)}
    model:
      modelFormat: {{name: {rng.choice(["sklearn", "xgboost", "pytorch", "huggingface"])}}}
      storageUri: s3://models/{team}/{app}/v{rng.randint(1, 20)}
      resources:
        requests: {{cpu: "1", memory: 4Gi}}
        limits: {{memory: 8Gi, nvidia.com/gpu: "{gpus}"}}
    tolerations:
      - {{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}
""", f"""apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: {app}-train
  namespace: {ns}
spec:
  runPolicy:
    cleanPodPolicy: None
    ttlSecondsAfterFinished: 3600
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: {_image(rng, team, app)}
              command: [torchrun, --nproc-per-node={gpus}, train.py]
              resources:
                limits: {{nvidia.com/gpu: {gpus}}}
    Worker:
      replicas: {rng.randint(1, 4)}
      restartPolicy: OnFailure
      template:
        spec:
          containers:
            - name: pytorch
              image: {_image(rng, team, app)}
              resources:
                limits: {{nvidia.com/gpu: {gpus}}}
"""]


def platform_bundle(rng: random.Random, team: str, app: str) -> list[Doc]:
    family = rng.choice(["[g5, g6]", "[p4d, p5]", "[m7i, c7i]"])
    return [f"""apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: {team}-{app}
spec:
  template:
    metadata:
      labels: {{example.com/team: {team}}}
    spec:
      requirements:
        - {{key: karpenter.k8s.aws/instance-family, operator: In, values: {family}}}
        - {{key: karpenter.sh/capacity-type, operator: In, values: [on-demand, spot]}}
      nodeClassRef: {{group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}}
      expireAfter: 720h
  limits: {{cpu: {rng.choice([100, 500, 1000])}}}
  disruption:
    consolidationPolicy: WhenEmptyOrUnderutilized
    consolidateAfter: 5m
""", f"""apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {team}-{app}
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "{rng.randint(0, 5)}"
spec:
  project: {team}
  source:
    repoURL: https://github.com/example/platform.git
    targetRevision: main
    path: teams/{team}/{app}
  destination:
    server: https://kubernetes.default.svc
    namespace: team-{team}
  syncPolicy:
    automated: {{prune: true, selfHeal: true}}
    syncOptions: [CreateNamespace=true]
"""]
