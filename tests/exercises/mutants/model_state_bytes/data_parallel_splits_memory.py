"""Thinks plain data parallelism (stage 0) already splits the model states across the GPUs."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [16, 12, 14, 16][zero_stage]
    return (16 - sharded) * n_params + sharded * -(-n_params // n_gpus)
