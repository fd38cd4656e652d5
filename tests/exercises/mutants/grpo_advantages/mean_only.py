"""Subtracts the group mean but does not divide by the standard deviation."""


def grpo_advantages(rewards: list) -> list:
    mean = sum(rewards) / len(rewards)
    return [r - mean for r in rewards]
