"""``python -m neuronlens`` is the ``neuronlens`` command."""

from neuronlens.cli import main

main()
