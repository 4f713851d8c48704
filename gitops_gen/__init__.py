"""gitops-gen: Argo CD app-of-apps repositories for ML platforms, and the policy gate for them."""

__version__ = "0.1.0"
