"""Everything the annotator meets: Label Studio server lifecycle, labelling configs
(templates/), assignment of clips to annotators, push of tasks and pull of annotations.

See docs/annotation.md. Modules: server (install/serve/stop/status), credentials
(secrets file, pseudonyms), client (REST), configs (templates), assign, annotators,
push, pull, gold, prelabels, store (catalog tables), clips (what is pushed).
"""
