"""Platform group: the QA report from check history and failure alerts, across every domain."""
