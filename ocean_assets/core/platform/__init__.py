"""Platform-wide logic: the QA report from asset-check history, alert payloads and de-duplication."""
