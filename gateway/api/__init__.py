"""HTTP routers: chat (OpenAI-compatible), models, health, admin, dashboard."""
