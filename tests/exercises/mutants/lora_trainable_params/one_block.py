"""Counts one transformer block and forgets to multiply by the number of blocks."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return sum(r * (shapes[name][0] + shapes[name][1]) for name in set(targets))
