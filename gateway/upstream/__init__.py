"""Calls to model providers.

    transport.py  the Transport protocol (serves, complete, open_stream, aclose)
    demo.py       the built-in ``demo`` model, in process
    direct.py     OpenAI-compatible servers over one pooled aiohttp session
    litellm.py    every other provider: the only module that imports litellm
    errors.py     the one table of failures, gateway errors and French messages
    shapes.py     answers and chunks checked into one clean OpenAI shape
    chain.py      ``Upstream``: the fallback loop, written once
    prices.py     what a call cost, for budgets

Error messages never quote the provider's response body: a provider may echo the prompt.
"""

from gateway.upstream.chain import Upstream, default_transports
from gateway.upstream.transport import Chunks, Transport

__all__ = ["Chunks", "Transport", "Upstream", "default_transports"]
