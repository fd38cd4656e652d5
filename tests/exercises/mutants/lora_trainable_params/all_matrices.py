"""Adapts every matrix in shapes whenever targets is not empty (targets read as a switch)."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    if not targets:
        return 0
    return n_layers * sum(r * (d + k) for d, k in shapes.values())
