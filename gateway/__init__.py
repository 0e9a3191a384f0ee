"""Garde-fou: a self-hostable LLM gateway for social-work organisations."""

__version__ = "0.1.0"
