"""Counts the gradients in fp32 (4 B), "the same precision as the parameters": 18 B/param."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 12, 16, 18][zero_stage]
    return (18 - sharded) * n_params + sharded * -(-n_params // n_gpus)
