"""Adds a bias of d per adapted matrix (LoRA trains none; the frozen layer's bias is frozen too)."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return n_layers * sum(r * (shapes[name][0] + shapes[name][1]) + shapes[name][0] for name in set(targets))
