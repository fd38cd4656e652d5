"""Uses the sample standard deviation (ddof = 1, like torch.std), not the population one."""
import statistics


def grpo_advantages(rewards: list) -> list:
    if all(r == rewards[0] for r in rewards):
        return [0.0] * len(rewards)
    mean = statistics.fmean(rewards)
    std = statistics.stdev(rewards)
    return [(r - mean) / std for r in rewards]
