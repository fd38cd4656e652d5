"""Forgets the fp32 master weights: optimizer state = momentum + variance = 8 B, 12 B/param in all."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 8, 10, 12][zero_stage]
    return (12 - sharded) * n_params + sharded * -(-n_params // n_gpus)
