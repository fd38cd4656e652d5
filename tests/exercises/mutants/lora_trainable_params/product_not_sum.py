"""Multiplies the dimensions, r·d·k: counts the product B·A times r, not the factors."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return n_layers * sum(r * shapes[name][0] * shapes[name][1] for name in set(targets))
