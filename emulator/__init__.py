"""The embedded AWS: moto server plus the project's documented extensions.

`python -m emulator start|stop|status|serve` (see launcher.py). Each moto gap the
project depends on is closed by one module in `emulator/extensions/`.
"""
