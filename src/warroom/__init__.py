"""warroom: a self-hostable incident-response platform."""

__version__ = "0.1.0"
