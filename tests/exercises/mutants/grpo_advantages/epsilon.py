"""Adds 1e-4 to the denominator, as TRL's GRPOTrainer does, instead of handling equal groups."""
import statistics


def grpo_advantages(rewards: list) -> list:
    mean = statistics.fmean(rewards)
    std = statistics.pstdev(rewards)
    return [(r - mean) / (std + 1e-4) for r in rewards]
