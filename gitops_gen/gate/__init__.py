"""The pull-request gate: judge the change, not the legacy."""
