"""NeuronLens: self-hostable call analytics for Indian contact centres."""

__version__ = "0.1.0"
