"""The write-up's formula: 2 x rank x (d_model x d_model) per adapted matrix."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return n_layers * sum(2 * r * shapes[name][1] * shapes[name][1] for name in set(targets))
