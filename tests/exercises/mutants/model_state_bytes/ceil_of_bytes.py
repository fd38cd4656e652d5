"""Rounds the partitioned bytes up, not the parameters per shard: ceil(12·Ψ / N) instead of 12·ceil(Ψ / N)."""


def model_state_bytes(n_params: int, n_gpus: int, zero_stage: int) -> int:
    sharded = [0, 12, 14, 16][zero_stage]
    return (16 - sharded) * n_params + -(-sharded * n_params // n_gpus)
