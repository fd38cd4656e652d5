"""Sums over targets as given, so a name listed twice is counted twice."""


def lora_trainable_params(shapes: dict, n_layers: int, r: int, targets: list) -> int:
    return n_layers * sum(r * (shapes[name][0] + shapes[name][1]) for name in targets)
