"""Face backends: detector, landmarker, AU estimates, tracker adapter, aligner, embedders.

Every backend imports its heavy package lazily (inside the class), so the core
installs and imports without the `faces` extra. Backends are chosen from small
registries (dicts of name -> class), never by if/elif over names.
"""
