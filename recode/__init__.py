"""ReCode: reasoning-aware reinforcement learning for code LLMs."""

__version__ = "0.1.0"
