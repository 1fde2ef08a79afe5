"""Live-performance backing-track player.

Layers (each imports only those below it): ``setlist`` (files -> validated model), ``engine`` (audio
process), ``midi`` and ``ui`` (inputs that turn into ``actions``).
"""

__version__ = "0.1.0"
