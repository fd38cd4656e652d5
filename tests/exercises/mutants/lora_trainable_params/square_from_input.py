"""Assumes every matrix is square, 2·r·k with k the input size (d_model)."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return n_layers * sum(2 * r * shapes[name][1] for name in set(targets))
