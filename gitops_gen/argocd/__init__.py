"""Argo CD semantics, offline: repository URLs, projects, sources, ApplicationSets, the app-of-apps graph."""
