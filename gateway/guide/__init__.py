"""Staff-facing pages: the AI-literacy guide (``/guide``) and the research-export opt-out
(``/opposition``). Both are French, self-contained and work offline."""
